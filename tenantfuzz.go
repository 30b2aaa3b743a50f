// Package tenantfuzz proves tenant isolation in multi-tenant PostgreSQL and
// vector-store backends. The engine lives in harness, the generators in
// generators, the Ginkgo specs in scenarios and the CLI in cmd/tenantfuzz.
// This root package only carries what the binary embeds from the repository
// root.
package tenantfuzz

import _ "embed"

// Version is the tool's version, printed in summaries and reports.
const Version = "0.1.0"

// GinkgoYML is the default profile file (ginkgo.yml at the repository root).
//
//go:embed ginkgo.yml
var GinkgoYML []byte
