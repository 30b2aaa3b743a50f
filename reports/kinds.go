package reports

import (
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// KindInfo describes one finding kind: it is the kind's SARIF rule and
// the default docs/leaks.md placement of its findings.
type KindInfo struct {
	Kind  harness.Kind
	Title string // one line
	Help  string // what it means and what to do
	// Leaks are the docs/leaks.md entries a finding of this kind shows when no
	// audit result or relation kind says more.
	Leaks []int
	// Fixed: the kind alone places its findings in docs/leaks.md (context
	// plumbing, side channels, vector stores, routing), whatever the
	// audit says about the relation they were seen on.
	Fixed bool
	// Severity is the kind's default severity; "" means Kind.Severity().
	Severity harness.Severity
}

// severity is the kind's default severity.
func (k KindInfo) severity() harness.Severity {
	if k.Severity != "" {
		return k.Severity
	}
	return k.Kind.Severity()
}

// Kinds is the registry of finding kinds, in the order reports list them.
// Every kind a property can report is here; a kind missing from it is
// reported under its own name with no help.
var Kinds = []KindInfo{
	{Kind: harness.KindCrossTenantRead, Title: "A tenant's statement returned another tenant's row",
		Help: "A statement run as the application role with tenant T's context returned a row owned by another tenant. Check that row-level security is enabled and forced on the relation, that its policies compare the tenant column with the context, and that no extra permissive policy widens them. Replay the finding, then run its psql script against a copy of the schema.", Leaks: []int{6}},
	{Kind: harness.KindRLSBypassed, Title: "The application role skips the relation's row-level security",
		Help: "The role the statements ran as is exempt from the relation's policies, so every tenant sees (and may write) every row whatever the policies say: it owns the relation and FORCE ROW LEVEL SECURITY is off, it inherits the owner's privileges through a membership, it has BYPASSRLS, or it is a superuser. The finding's cause names the chain. Give the relations an owner the application cannot become (REVOKE the membership), ALTER TABLE ... FORCE ROW LEVEL SECURITY, and ALTER ROLE ... NOBYPASSRLS NOSUPERUSER.", Leaks: []int{3, 4}},
	{Kind: harness.KindFailOpenRead, Title: "Tenant rows visible without a tenant context",
		Help: "With no tenant context (a fresh session) or an empty one (what a transaction-local setting leaves behind), a statement returned tenant rows: the policy fails open. Write policies that compare with nullif(current_setting('app.tenant_id', true), '')::uuid so that a missing context matches nothing.", Leaks: []int{7, 20, 21}},
	{Kind: harness.KindDifferentialRead, Title: "A tenant's result depends on other tenants' rows",
		Help: "A tenant's result (counts, aggregates, values) differs from the same statement over only its own rows: other tenants' rows reached it even though none is returned as such. Treat it as a leak; its causes are those of a cross-tenant read.", Leaks: []int{6}},
	{Kind: harness.KindOverFiltering, Title: "A tenant does not see its own rows",
		Help: "A tenant's result lacked rows its own data produces. Not a leak, but isolation that breaks the application; teams then loosen the policy. Check the policy's predicate and the context setter.", Leaks: []int{5}},
	{Kind: harness.KindCrossTenantWrite, Title: "A tenant's write changed or created another tenant's rows",
		Help: "A write run as tenant T changed, deleted or created rows of another tenant (or moved a row to it). Give every policy a WITH CHECK that compares the tenant column with the context, cover every granted command, and revoke TRUNCATE.", Leaks: []int{8, 9, 10, 15}},
	{Kind: harness.KindSideChannel, Title: "A write's outcome reveals another tenant's keys",
		Help: "Colliding with another tenant's key gave a different outcome than colliding with nothing, so a tenant can probe which keys exist elsewhere. Make unique keys tenant-scoped (tenant_id, key).", Leaks: []int{25, 26}, Fixed: true},
	{Kind: harness.KindCrossTenantReference, Title: "A tenant's row references another tenant's key",
		Help: "A tenant updated one of its rows to reference a key of another tenant's through a foreign key that does not carry the tenant (the key check runs without row-level security): the tenant learns the key exists, its data hangs off another tenant's, and that tenant's DELETE or key UPDATE may cascade to it. Make the key composite: FOREIGN KEY (tenant_id, parent_id) REFERENCES parent (tenant_id, id), with UNIQUE (tenant_id, id) on the parent.", Leaks: []int{41, 42}, Fixed: true},
	{Kind: harness.KindContextLeak, Title: "A pooled connection carried a tenant's context to the next request",
		Help: "A connection returned to the pool still held a tenant context, and the next request on it saw that tenant's rows. Set the context with set_config(..., true) inside the transaction, and reset it when a connection is released.", Leaks: []int{19}, Fixed: true},
	{Kind: harness.KindContextInjection, Title: "A hostile tenant id reached another tenant's rows",
		Help: "A tenant id with quotes, semicolons or other hostile text changed which tenant's rows are visible: the context is set by string formatting. Pass the id as a bind parameter: select set_config('app.tenant_id', $1, true).", Leaks: []int{22}, Fixed: true},
	{Kind: harness.KindRoleTrick, Title: "A tenant switched its own tenant with SQL",
		Help: "A tenant that can run SQL changed its context or role (SET, RESET ROLE, set_config) and saw another tenant's rows. Do not let tenants run SQL with a context they can change, or derive the tenant from the role.", Leaks: []int{22}, Fixed: true},
	{Kind: harness.KindPlanCache, Title: "A cached plan ignored a change of role or membership",
		Help: "A prepared statement kept returning rows after the role or membership that allowed them changed. Upgrade PostgreSQL to a release with the fix and avoid sharing prepared statements across roles.", Leaks: []int{23}, Fixed: true},
	{Kind: vector.KindVectorRead, Title: "A tenant's vector query returned another tenant's vectors",
		Help: "A query, fetch or list in the vector store returned records of another tenant: a missing or empty tenant filter, a fallback to the default namespace, or a $ne/$nin filter admitting untagged records. Scope every call to the tenant's namespace or filter.", Leaks: []int{31, 32, 35}, Fixed: true},
	{Kind: vector.KindVectorWrite, Title: "A tenant's vector write changed another tenant's vectors",
		Help: "An upsert, update or delete changed another tenant's records: ids that collide across tenants in a shared namespace, client-supplied ids without re-scoping, or caller metadata overwriting the tenant key.", Leaks: []int{33, 34, 36}, Fixed: true},
	{Kind: vector.KindSQLVectorMismatch, Title: "The vector store and the database disagree on a tenant's data",
		Help: "A tenant's vectors and its rows in PostgreSQL do not match: chunks visible in one are not the tenant's in the other. Check that vector ids and tenant keys are written from the same tenant-scoped row.", Leaks: []int{38}, Fixed: true},
	{Kind: router.KindCrossDatabase, Title: "A request ran in another tier's database",
		Help: "A request was served by a database that does not hold its tenant's rows (an enterprise tenant on the shared database, or the reverse), or was served although its tenant's tier is unknown. Route by a tier looked up from a trusted source and refuse unknown tenants; never fall through to a default database.", Leaks: []int{39}, Fixed: true},
	{Kind: router.KindHostMisroute, Title: "A hostile Host value was served as another tenant",
		Help: "A Host header with extra labels, a look-alike, another zone, a port or a trailing dot was served as a tenant it does not name. Match the full, normalised host against the tenant's registered hosts.", Leaks: []int{39}, Fixed: true},
	{Kind: router.KindTierMisplacement, Title: "A database holds rows of a tenant it is not home to",
		Help: "An enterprise tenant's rows are in the shared database, or a shared tenant's in a dedicated one. Route writes by the tenant's tier and check placement after migrations.", Leaks: []int{39, 40}, Fixed: true},
	{Kind: router.KindFormattedContext, Title: "A tenant id reached the router's SQL text", Severity: router.Kinds[router.KindFormattedContext],
		Help: "The router built SQL around a tenant id or slug (SET app.tenant_id = '...') instead of passing it as a bind parameter: a hostile id injects SQL. Use select set_config('app.tenant_id', $1, true).", Leaks: []int{22}, Fixed: true},
	{Kind: router.KindOverRefusal, Title: "The router refused a tenant it must serve", Severity: router.Kinds[router.KindOverRefusal],
		Help: "A plain request of a known tenant was refused: not a leak, but a router that refuses everything would pass the isolation checks.", Leaks: []int{39}, Fixed: true},
	{Kind: router.KindMigrationLoss, Title: "A migration lost or changed a tenant's rows",
		Help: "After a shared-to-dedicated migration the target lacks rows the tenant had, or holds them changed. Copy every tenant table (children included) in one transaction and compare counts and digests before switching.", Leaks: []int{40}, Fixed: true},
	{Kind: router.KindMigrationLeftover, Title: "A migration left a tenant's rows behind",
		Help: "After a shared-to-dedicated migration the shared database still holds rows of the tenant. Delete them in the same change that switches the tenant's tier, and check that none remain.", Leaks: []int{40}, Fixed: true},
	{Kind: api.KindCrossTenantRead, Title: "An API response held another tenant's data", Severity: api.Kinds[api.KindCrossTenantRead],
		Help: "The service answered a tenant's request with a value (an id, a tenant id, content) of another tenant's row: the tenant was taken from what the client sends (a header, a body field, a bent Host), a handler skipped the tenant context (IDOR), or a cache served another tenant's answer. Derive the tenant from the verified credential or the canonical host only, run every query in a transaction with the context set by a bind parameter, and key caches by tenant. Replay the finding; its curl script shows the request.", Leaks: []int{43, 34, 53, 55}, Fixed: true},
	{Kind: api.KindCrossTenantWrite, Title: "An API write landed in another tenant", Severity: api.Kinds[api.KindCrossTenantWrite],
		Help: "A tenant's create, update or delete through the service created or changed another tenant's rows: the tenant came from a header or the request body. Take the tenant from the verified credential and refuse a body naming another tenant (403).", Leaks: []int{43}, Fixed: true},
	{Kind: api.KindAuthBypass, Title: "The service honoured a hostile credential", Severity: api.Kinds[api.KindAuthBypass],
		Help: "A request with no token, an unsigned or alg none token, a wrong key, a rewritten claim, an expired or not-yet-valid token, or a token of a tenant that no longer exists got a 2xx answer. Verify the signature with a pinned algorithm, require and honour exp and nbf, and check that the token's tenant still exists.", Leaks: []int{44, 56}, Fixed: true},
	{Kind: api.KindSideChannel, Title: "The service's answer tells which ids other tenants hold", Severity: api.Kinds[api.KindSideChannel],
		Help: "A get of another tenant's id was answered differently (status or body size) from a get of an id that exists nowhere. Answer both with the same 404.", Leaks: []int{45}, Fixed: true},
	{Kind: api.KindContextLeak, Title: "A service request left its tenant's context on a pooled connection", Severity: api.Kinds[api.KindContextLeak],
		Help: "After a request ended, a connection of the service's pool still held the tenant context: it was set session-level (set_config(..., false), a plain SET), so the next request on that connection starts as that tenant. Set it with set_config('app.tenant_id', $1, true) inside the request's transaction.", Leaks: []int{54, 19}, Fixed: true},
}

// kindInfo returns the registry entry of kind, or a bare one.
func kindInfo(k harness.Kind) KindInfo {
	for _, i := range Kinds {
		if i.Kind == k {
			return i
		}
	}
	return KindInfo{Kind: k, Title: string(k)}
}
