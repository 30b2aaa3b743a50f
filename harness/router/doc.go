// Package router is level 3 of tenantfuzz: dedicated databases for
// enterprise tenants and the hybrid router that picks a tenant's database.
//
// An Env stands up one shared database and a few dedicated ones (each a
// PostgreSQL instance of its own, with the reference schema). The reference
// Router turns a request's Host header into a transaction on its tenant's
// database: the host names a tenant (an enterprise host rule such as
// enterprise-client.example.test, or exactly one label under the wildcard
// zone, by slug), the directory (the shared database's tenants table) gives
// the tenant's tier, the tier picks the connection, and the tenant context
// is set with a bind parameter inside the transaction. Unknown hosts, slugs
// and tiers are refused, never defaulted.
//
// The properties (Properties) drive random requests through a router and
// check, on the servers themselves, where every request ran and what it saw;
// Migrate is the reference procedure that moves a tenant from the shared
// database to its dedicated one while requests continue, and CheckMigration
// verifies any such migration (also a user's own, via tenantfuzz
// migrate-check). Mutants are seeded defects of the router and of the
// migration; each must be found.
//
// Ground truth comes from the generator: the harness places every tenant's
// rows itself, knows which tenant each Host value names, and reads the
// database a request ran on from the server (the per-database setting
// tenantfuzz.database), never from the router's own account.
package router
