package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
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
// tenant's values, and a hostile credential is never answered 2xx.
//
// Each check commits a generated world (generators.WorldGen on the
// reference catalog), then sends random requests of random tenants to the
// service on loopback: list, get by an own, a foreign or a nonexistent
// id, create (with no, the own or a foreign tenant_id in the body), with
// or without an X-Tenant-Id header naming another tenant, and with a valid
// or a hostile token (see HostileCredentials). Every value of every
// response body is traced to its owner by the world's ids and canaries
// (generators.World.Owners; created documents carry their creator's
// canary in the title). A foreign value is critical (read, or write for a
// create); a 2xx answer to a hostile token is critical.
//
// A get of another tenant's id that is refused is compared with the same
// request for an id that exists nowhere: a different status or body size
// is a low side-channel finding.
//
// Limits: it does not yet compare the database's digest after writes
// (a write that lands in another tenant without echoing it is missed).
var APIIsolation = &Property{Name: "api-isolation", Title: "API responses hold only the caller's rows; hostile tokens get 401", Labels: []string{"api"}}

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

// Run starts the service (a fresh HS256 key) on loopback, checks the
// property, stops the service and returns the result: counts, at most one
// finding, or an error. A clean run whose requests never could reach
// another tenant's rows, or never saw the caller's own, is blind.
func (p *Property) Run(ctx context.Context, env *Env, opts harness.RunOptions) *harness.Result {
	opts.Defaults()
	key, err := NewKey()
	if err != nil {
		return &harness.Result{Property: p.Name, Relation: Subject, Err: err, Verdict: harness.VerdictError}
	}
	srv, err := Start(env.NewService(key))
	if err != nil {
		return &harness.Result{Property: p.Name, Relation: Subject, Err: err, Verdict: harness.VerdictError}
	}
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	res := harness.RunCheck(p.Name, Subject, opts, func(st *harness.CheckState) func(*rapid.T) {
		return func(t *rapid.T) {
			if st.Expired(opts.Deadline) {
				t.SkipNow()
			}
			f, stats, err := check(ctx, t, env, key, srv.URL, client, opts)
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

var uuidIn = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// check is one check: a world, then opts.Statements requests.
func check(ctx context.Context, t *rapid.T, env *Env, key []byte, base string, client *http.Client,
	opts harness.RunOptions) (*harness.Finding, harness.Stats, error) {
	stats := harness.Stats{Checks: 1}
	w := generators.WorldGen(env.Target.Catalog, generators.WorldOptions{MinTenants: 2, MaxTenants: 3, MaxRows: 2}).Draw(t, "world")
	if err := env.Load(ctx, w); err != nil {
		return nil, stats, err
	}
	stats.Tenants, stats.WorldRows = len(w.Tenants), len(w.Rows)
	docs := make([][]string, len(w.Tenants)) // document ids by tenant
	for _, r := range w.Rows {
		if r.Table.Name == "documents" && !r.Global {
			if id := uuidIn.FindString(r.Values["id"]); id != "" {
				docs[r.Tenant] = append(docs[r.Tenant], id)
			}
		}
	}
	for i := 0; i < opts.Statements; i++ {
		q, err := draw(t, w, docs, key, i)
		if err != nil {
			return nil, stats, err
		}
		resp, err := q.do(client, base)
		if err != nil {
			return nil, stats, err
		}
		stats.Statements++
		if q.reaches {
			stats.Reached++
		}
		if f := judge(w, q, resp, base); f != nil {
			return f, stats, nil
		}
		if f, err := sideChannel(w, q, resp, client, base, i); f != nil || err != nil {
			return f, stats, err
		}
		if q.Cred.Kind == Valid && resp.Status/100 == 2 && ownSeen(w, q.viewer, resp.Body) {
			stats.Own = 1
		}
	}
	return nil, stats, nil
}

// draw generates the i-th request of a check.
func draw(t *rapid.T, w *generators.World, docs [][]string, key []byte, i int) (*request, error) {
	n := len(w.Tenants)
	label := func(s string) string { return fmt.Sprintf("%s %d", s, i+1) }
	q := &request{viewer: rapid.IntRange(0, n-1).Draw(t, label("viewer")), foreign: -1}
	other := (q.viewer + 1 + rapid.IntRange(0, n-2).Draw(t, label("other"))) % n
	own, foreignID := w.TenantID(q.viewer), w.TenantID(other)
	kind := Valid
	if rapid.IntRange(0, 9).Draw(t, label("hostile?")) >= 7 {
		kind = rapid.SampledFrom(HostileCredentials).Draw(t, label("credential"))
	}
	var err error
	if q.Cred, err = Mint(key, kind, own, foreignID, time.Now()); err != nil {
		return nil, err
	}
	if kind == AlgNone || kind == WrongKey || kind == Forged {
		q.foreign, q.reaches = other, true
	}
	if rapid.IntRange(0, 9).Draw(t, label("header?")) >= 7 {
		q.Header, q.foreign, q.reaches = foreignID, other, true
	}
	q.Endpoint = rapid.SampledFrom([]string{epList, epGetOwn, epGetForeign, epGetMissing, epCreate}).Draw(t, label("endpoint"))
	switch q.Endpoint {
	case epList:
		q.Method, q.Path = http.MethodGet, "/documents"
		for k, d := range docs {
			if k != q.viewer && len(d) > 0 {
				q.reaches = true
			}
		}
	case epGetOwn, epGetForeign:
		k := q.viewer
		if q.Endpoint == epGetForeign {
			k = other
		}
		if len(docs[k]) == 0 {
			q.Endpoint, q.Method, q.Path = epGetMissing, http.MethodGet, "/documents/"+missingID(i)
			break
		}
		q.Method, q.Path = http.MethodGet, "/documents/"+rapid.SampledFrom(docs[k]).Draw(t, label("id"))
		if k != q.viewer {
			q.foreign, q.reaches = other, true
		}
	case epGetMissing:
		q.Method, q.Path = http.MethodGet, "/documents/"+missingID(i)
	case epCreate:
		q.Method, q.Path = http.MethodPost, "/documents"
		nd := NewDocument{Title: "created by " + generators.Canary(q.viewer)}
		switch rapid.IntRange(0, 2).Draw(t, label("body tenant")) {
		case 1:
			nd.TenantID = &own
		case 2:
			nd.TenantID, q.foreign, q.reaches = &foreignID, other, true
		}
		q.Body, _ = json.Marshal(nd)
	}
	return q, nil
}

// missingID is a well-formed id no generated row carries.
func missingID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", 900000+i) }

// owners traces the response body's values to tenants.
func owners(w *generators.World, body []byte) map[int]string {
	out := map[int]string{}
	for _, v := range values(body) {
		for _, o := range w.Owners(v) {
			if _, ok := out[o]; !ok {
				out[o] = v
			}
		}
	}
	return out
}

func ownSeen(w *generators.World, viewer int, body []byte) bool {
	_, ok := owners(w, body)[viewer]
	return ok
}

// judge is the oracle of one response: a value of a tenant other than the
// client's is critical; a 2xx answer to a hostile credential is critical.
func judge(w *generators.World, q *request, resp *response, base string) *harness.Finding {
	viewer := w.Tenants[q.viewer]
	mk := func(kind harness.Kind, other int, evidence ...string) *harness.Finding {
		f := &harness.Finding{Kind: kind, Severity: Kinds[kind], Property: APIIsolation.Name, Relation: Subject,
			Tenant: viewer.ID, TenantLabel: viewer.Label, Context: "jwt " + string(q.Cred.Kind),
			Statement: q.Method + " " + q.Path, Script: q.Curl(base)}
		if other >= 0 {
			f.OtherTenant, f.OtherLabel = w.Tenants[other].ID, w.Tenants[other].Label
		}
		f.Evidence = append([]string{fmt.Sprintf("%s %s by %s (%s token", q.Method, q.Path, viewer.Label, q.Cred.Kind) + headerNote(q) + fmt.Sprintf(") answered %d", resp.Status)}, evidence...)
		f.Evidence[0] += ": " + evidence0(kind, w, other)
		return f
	}
	if resp.Status/100 == 2 {
		for o, v := range owners(w, resp.Body) {
			if o == q.viewer {
				continue
			}
			kind := KindCrossTenantRead
			if q.Method != http.MethodGet {
				kind = KindCrossTenantWrite
			}
			return mk(kind, o, "foreign value in the response: "+redact(v))
		}
		if q.Cred.Kind != Valid {
			return mk(KindAuthBypass, -1, "a hostile credential must get 401")
		}
	}
	return nil
}

func evidence0(kind harness.Kind, w *generators.World, other int) string {
	switch kind {
	case KindCrossTenantRead:
		return "the response holds a value of " + w.Tenants[other].Label
	case KindCrossTenantWrite:
		return "the write landed in " + w.Tenants[other].Label
	}
	return "a hostile credential was honoured"
}

func headerNote(q *request) string {
	s := ""
	if q.Header != "" {
		s += ", " + HeaderTenant + " of another tenant"
	}
	if q.Body != nil && q.foreign >= 0 && q.Cred.Kind == Valid && q.Header == "" {
		s += ", body naming another tenant"
	}
	return s
}

// redact keeps only identifiers of a value (uuids, canary markers).
func redact(v string) string {
	if id := uuidIn.FindString(v); id != "" {
		return id
	}
	if m := canaryIn.FindString(v); m != "" {
		return "…" + m + "…"
	}
	return "…"
}

var canaryIn = regexp.MustCompile(`\[tf:\d+\]`)

// sideChannel compares a refused get of another tenant's id with the same
// request for an id that exists nowhere: the answers must not differ in
// status or body size.
func sideChannel(w *generators.World, q *request, resp *response, client *http.Client, base string, i int) (*harness.Finding, error) {
	if q.Endpoint != epGetForeign || q.Cred.Kind != Valid || q.Header != "" || resp.Status/100 == 2 {
		return nil, nil
	}
	probe := *q
	probe.Path = "/documents/" + missingID(i)
	missing, err := probe.do(client, base)
	if err != nil {
		return nil, err
	}
	if missing.Status == resp.Status && len(missing.Body) == len(resp.Body) {
		return nil, nil
	}
	viewer := w.Tenants[q.viewer]
	f := &harness.Finding{Kind: KindSideChannel, Severity: Kinds[KindSideChannel], Property: APIIsolation.Name, Relation: Subject,
		Tenant: viewer.ID, TenantLabel: viewer.Label, Context: "jwt " + string(q.Cred.Kind), Statement: q.Method + " " + q.Path,
		OtherTenant: w.Tenants[q.foreign].ID, OtherLabel: w.Tenants[q.foreign].Label,
		Script: q.Curl(base) + "\n" + probe.Curl(base)}
	f.Evidence = []string{
		fmt.Sprintf("%s %s (an id of %s) by %s answered %d with %d bytes, %s (an id of nobody) answered %d with %d bytes: the answer tells which ids other tenants hold",
			q.Method, q.Path, w.Tenants[q.foreign].Label, viewer.Label, resp.Status, len(resp.Body), probe.Path, missing.Status, len(missing.Body)),
	}
	return f, nil
}
