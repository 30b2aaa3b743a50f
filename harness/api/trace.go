package api

import "github.com/tenantfuzz/tenantfuzz/generators"

// TraceOwners is the oracle's tracing, for callers outside the package
// (harness/apiclient, which fuzzes a user's own service): every string and
// number of the JSON body (the whole body when it is not JSON) traced to
// the tenants of w whose ids or canaries it holds, one value per tenant.
func TraceOwners(w *generators.World, body []byte) map[int]string { return owners(w, body) }

// RedactValue keeps only the identifiers of a traced value (a uuid, a
// canary marker), as findings print it.
func RedactValue(v string) string { return redact(v) }
