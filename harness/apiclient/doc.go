// Package apiclient fuzzes a user's own HTTP service for tenant isolation
// (issue 21, item 4): the api-isolation property of harness/api, with the
// same oracle, sent over HTTP to a service tenantfuzz did not write.
//
// tenantfuzz seeds each check's world into a database it created for the
// run (the database provider's own, tenantfuzz_<random> on a --dsn
// server), starts the user's service on that database (Serve, with
// DATABASE_URL in its environment), and sends requests only to the service
// URL, which must be on loopback or on a host the user names (Scope).
// Each tenant's credential comes from one Credentials source: a command
// that prints a bearer token, a JWT secret or private key file and the
// claim that names the tenant, or a subdomain pattern. The endpoints come
// from a small YAML file or an OpenAPI document (Spec).
//
// Oracle (harness/api's): every value of every 2xx body is traced to its
// owner by the world's ids and canaries; a value of another tenant is a
// critical finding (read or write), and so is a hostile credential the
// service honours; a refused get of another tenant's id that differs from
// the same get of an id that exists nowhere is a low side-channel finding.
// Each finding carries a curl reproduction (tokens shown as $TOKEN) and
// the replay line.
//
// Limits: endpoints with one id placeholder at most; no query parameters;
// Host variants (case, port, trailing dot) are not drawn; the digest of
// other tenants after writes is not compared (a write that lands in
// another tenant without echoing it is missed).
package apiclient
