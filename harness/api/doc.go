// Package api is the API layer of tenantfuzz (issue 21, first slice): a
// reference HTTP service over the reference schema, and a property that
// fuzzes it over HTTP.
//
// The reference Service is the founding guide's backend done right: the
// tenant comes from a verified JWT claim (HS256, a key generated per run,
// expiry required), never from anything else the client sends; each
// request runs in its own transaction on the application role's pool, with
// the context set by the schema's own setter, set_tenant($1), a bind
// parameter; GET /documents lists, GET /documents/{id} fetches (404 for an
// id the tenant cannot see, exactly as for one that does not exist), POST
// /documents creates (a body naming another tenant is refused with 403).
// A bad token is 401.
//
// The property APIIsolation (label api) drives random requests of random
// tenants through a service started on loopback, and traces every value of
// every response body to its owner (generated ids and canaries); a foreign
// value is a critical finding, and so is any 2xx answer to a hostile
// token. Each finding carries a curl reproduction.
//
// Mutants are the service with one step done the way real backends get it
// wrong (tenant from X-Tenant-Id or from the body, JWT signature not
// verified, alg none accepted, expiry ignored, IDOR on get-by-id, 403
// versus 404 for foreign ids); each must be found.
//
// Limits of this slice: no subdomain tenancy, no RS256, no chunks or
// search endpoints, no update/delete, no user's own service (tenantfuzz
// api --url), no CLI or gate integration yet (see docs/api.md).
package api
