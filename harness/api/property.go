package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// Property is one API property, checked through harness.RunCheck on the
// subject "service", so seeds, replay lines and counts mean what they mean
// everywhere else.
type Property struct {
	Name   string
	Title  string
	Labels []string
}

func (p *Property) String() string { return p.Name }

// APIIsolation: every response of the service to a tenant holds only that
// tenant's values, no write changes another tenant's rows, a hostile
// credential or Host is never served, and no request leaves its tenant's
// context on a pooled connection.
//
// Each check commits a generated world (generators.WorldGen on the
// reference catalog; slugs acme-1, acme-2 ...), starts the service on
// loopback with the run's keys, and sends random requests of random
// tenants (DrawRequest): list, search, get, update and delete by an own,
// a foreign or a nonexistent id, chunks, create (with no, the own or a
// foreign tenant_id in the body), a tenant_id query parameter, an
// X-Tenant-Id header naming another tenant, a Host naming the tenant or
// another by subdomain (plain or bent), with a genuine token (HS256 or
// RS256) or a hostile one (HostileCredentials). The oracle (Judge) traces
// every value of every response body to its owner by the world's ids and
// canaries (generators.World.Owners; created and updated documents carry
// their writer's canary); a foreign value is critical (read, or write for
// a write); a write that changes another tenant's digest (Env.Digests) is
// critical; a 2xx answer to a hostile token is critical; after every
// request, a pooled connection still holding a tenant context
// (Env.LeftContext) is critical.
//
// A refused get of another tenant's id (document or chunk) is compared
// with the same request for an id that exists nowhere: a different status
// or body size is a low side-channel finding.
//
// Limits: the reference schema only (Env); one request at a time (races
// between concurrent requests are not drawn); values are traced, so a leak
// of a value the world does not mark (a count) is missed.
var APIIsolation = &Property{Name: "api-isolation", Title: "API responses hold only the caller's rows; writes stay in it; hostile tokens and hosts are refused; no context outlives its request", Labels: []string{"api"}}

// Properties is the registry.
var Properties = []*Property{APIIsolation}

// PropertyByName returns the named property, or nil.
func PropertyByName(name string) *Property {
	for _, p := range Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Subject is the subject name of API results.
const Subject = "service"

// Run generates the run's keys (HS256 and RS256, never printed), checks
// the property, starting the service on loopback for each check and
// stopping it after (a service's state, such as a cache, never outlives
// its check, so a finding replays from its seed alone), and returns the
// result: counts, at most one finding, or an error. A clean run whose
// requests never could reach another tenant's rows, or never saw the
// caller's own, is blind.
func (p *Property) Run(ctx context.Context, env *Env, opts harness.RunOptions) *harness.Result {
	opts.Defaults()
	keys, err := NewKeys()
	if err != nil {
		return &harness.Result{Property: p.Name, Relation: Subject, Err: err, Verdict: harness.VerdictError}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	res := harness.RunCheck(p.Name, Subject, opts, func(st *harness.CheckState) func(*rapid.T) {
		return func(t *rapid.T) {
			if st.Expired(opts.Deadline) {
				t.SkipNow()
			}
			f, stats, err := check(ctx, t, env, keys, client, opts)
			st.Count(stats) // before Fail, which ends the check: the failing check counts too
			if err != nil || f != nil {
				st.Fail(t, f, err)
			}
		}
	})
	if err := env.Clear(ctx); err != nil && res.Err == nil {
		res.Err = err
	}
	res.Judge(true, true)
	return res
}

// drawRequest is the check's request draw: DrawRequest, which the
// zero-reach test (TestAPIIsolationZeroReach) narrows to requests that
// name no other tenant.
var drawRequest = DrawRequest

var uuidIn = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// check is one check: a world, a fresh service, then opts.Statements
// requests.
func check(ctx context.Context, t *rapid.T, env *Env, keys Keys, client *http.Client, opts harness.RunOptions) (*harness.Finding, harness.Stats, error) {
	stats := harness.Stats{Checks: 1}
	w := generators.WorldGen(env.Target.Catalog, generators.WorldOptions{MinTenants: 2, MaxTenants: 3, MaxRows: 2}).Draw(t, "world")
	if err := env.Load(ctx, w); err != nil {
		return nil, stats, err
	}
	if err := env.ResetContexts(ctx); err != nil {
		return nil, stats, err
	}
	stats.Tenants, stats.WorldRows = len(w.Tenants), len(w.Rows)
	srv, err := Start(env.NewServiceKeys(keys))
	if err != nil {
		return nil, stats, err
	}
	defer func() {
		srv.Close()
		client.CloseIdleConnections()
	}()
	base := srv.URL
	ids := WorldIDs(w)
	var earlier []string // curl lines of the check's requests so far
	for i := 0; i < opts.Statements; i++ {
		q, err := drawRequest(t, w, ids, keys, DefaultZone, i)
		if err != nil {
			return nil, stats, err
		}
		var before map[string]string
		if q.Write() {
			if before, err = env.Digests(ctx); err != nil {
				return nil, stats, err
			}
		}
		resp, err := q.Do(ctx, client, base)
		if err != nil {
			return nil, stats, err
		}
		stats.Statements++
		if q.Reaches {
			stats.Reached++
		}
		f := Judge(w, q, resp, base)
		if f == nil && q.Write() {
			f, err = changedOthers(ctx, env, w, q, resp, base, before)
		}
		if f == nil && err == nil {
			f, err = sideChannel(ctx, w, q, resp, client, base, i)
		}
		if f == nil && err == nil {
			f, err = leftContext(ctx, env, w, q, resp, base)
		}
		if err != nil {
			return nil, stats, err
		}
		if f != nil {
			if len(earlier) > 0 {
				f.Script = "# the check's earlier requests, in order (a stateful defect needs them):\n" + strings.Join(earlier, "\n") +
					"\n# the request that shows the leak:\n" + f.Script
			}
			return f, stats, nil
		}
		earlier = append(earlier, q.Curl(base))
		if resp.Status/100 == 2 {
			_, rows := values(resp.Body)
			stats.Rows += rows
		}
		if q.Cred.Kind.Genuine() && resp.Status/100 == 2 && ownSeen(w, q.Viewer, resp.Body) {
			stats.Own = 1
		}
	}
	return nil, stats, nil
}
