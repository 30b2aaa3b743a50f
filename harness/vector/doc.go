// Package vector checks tenant isolation in the vector store: the
// properties (label vector) that run generated operations through a
// tenant-scoped repository (package app) over the store port (package
// store), against the in-process fake Pinecone (package fake) or a real
// Pinecone or Pinecone Local index, and the seeded repository defects
// (Mutants) that prove the properties bite.
//
// Ground truth comes from the generator, never from the system under test:
// every vector the generator makes is registered to the tenant that wrote
// it and every record's text carries its tenant's canary, so a returned or
// stored record is traced to its owner by content, whatever ids or
// metadata the repository gave it.
package vector

import "github.com/tenantfuzz/tenantfuzz/harness/vector/app"

// Mode is how the repository isolates tenants (namespace per tenant, or a
// shared namespace with a tenant filter).
type Mode = app.Mode

// The modes.
const (
	NamespacePerTenant = app.NamespacePerTenant
	SharedNamespace    = app.SharedNamespace
)

// Modes lists the modes in the order they run.
var Modes = app.Modes

// ParseMode reads "namespace" or "shared".
func ParseMode(s string) (Mode, error) { return app.ParseMode(s) }
