package api

import "github.com/tenantfuzz/tenantfuzz/harness"

// Finding kinds of the API layer.
const (
	// KindCrossTenantRead: a response to a tenant's request held a value
	// (id, tenant id, canary) of another tenant's row.
	KindCrossTenantRead harness.Kind = "api-cross-tenant-read"
	// KindCrossTenantWrite: a tenant's write created or changed a row of
	// another tenant (its response names the other tenant).
	KindCrossTenantWrite harness.Kind = "api-cross-tenant-write"
	// KindAuthBypass: a request with a hostile credential (none, unsigned,
	// wrong key, forged claim, expired, not yet valid, without exp or
	// without the tenant claim) was answered 2xx instead of 401.
	KindAuthBypass harness.Kind = "api-auth-bypass"
	// KindSideChannel: the answer to a get of another tenant's id differs
	// (status or body size) from the answer for an id that exists nowhere:
	// a caller learns which ids other tenants hold.
	KindSideChannel harness.Kind = "api-side-channel"
	// KindContextLeak: after a request ended, a connection of the
	// service's pool still held its tenant's context: the next request on
	// it starts as that tenant.
	KindContextLeak harness.Kind = "api-context-leak"
)

// Kinds lists the API kinds with their default severities.
var Kinds = map[harness.Kind]harness.Severity{
	KindCrossTenantRead:  harness.SeverityCritical,
	KindCrossTenantWrite: harness.SeverityCritical,
	KindAuthBypass:       harness.SeverityCritical,
	KindSideChannel:      harness.SeverityLow,
	KindContextLeak:      harness.SeverityCritical,
}
