package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// Target is a user's service under test: where it listens, what to send,
// how tenants authenticate, and the database (tenantfuzz's own for the
// run) the service serves from.
type Target struct {
	Scope *Scope
	Spec  *Spec
	Creds *Credentials
	DB    *harness.Target
	// How says where a $TOKEN of a reproduction comes from (e.g. "what
	// --auth-cmd prints for the tenant"); never the token itself.
	How string
}

// Check validates the spec against the database's catalog: every table an
// endpoint's {id} names exists and has the id column.
func (x *Target) Check() error {
	for _, e := range x.Spec.Endpoints {
		if e.Table == "" {
			continue
		}
		rel := x.table(e.Table)
		if rel == nil {
			return fmt.Errorf("%w: %s: %s %s: no table %q in the schema", ErrSpec, x.Spec.Source, e.Method, e.Path, e.Table)
		}
		if rel.Column(e.IDColumn) == nil {
			return fmt.Errorf("%w: %s: %s %s: table %s has no column %q (set id_column)", ErrSpec, x.Spec.Source, e.Method, e.Path, e.Table, e.IDColumn)
		}
	}
	return nil
}

func (x *Target) table(name string) *catalog.Relation {
	for _, r := range x.DB.Catalog.Relations {
		if r.IsTable() && (r.Name == name || r.Schema+"."+r.Name == name) {
			return r
		}
	}
	return nil
}

// Client is the HTTP client of a run: no proxy (requests go to the URL
// and nowhere else), no redirect followed, a 10 s timeout.
func Client() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run checks api-isolation on the user's service (see the package doc):
// opts.Checks worlds of opts.Statements requests each. A clean run is a
// pass only when some request could reach another tenant's rows and some
// valid request saw the caller's own; otherwise it is blind.
func (x *Target) Run(ctx context.Context, opts harness.RunOptions) *harness.Result {
	opts.Defaults()
	client := Client()
	defer client.CloseIdleConnections()
	res := harness.RunCheck(api.APIIsolation.Name, api.Subject, opts, func(st *harness.CheckState) func(*rapid.T) {
		return func(t *rapid.T) {
			if st.Expired(opts.Deadline) {
				t.SkipNow()
			}
			f, stats, err := x.check(ctx, t, client, opts)
			st.Count(stats)
			if err != nil || f != nil {
				st.Fail(t, f, err)
			}
		}
	})
	res.Judge(true, true)
	return res
}

// check is one check: a world, then opts.Statements requests.
func (x *Target) check(ctx context.Context, t *rapid.T, client *http.Client, opts harness.RunOptions) (*harness.Finding, harness.Stats, error) {
	stats := harness.Stats{Checks: 1}
	w := generators.WorldGen(x.DB.Catalog, generators.WorldOptions{MinTenants: 2, MaxTenants: 3, MaxRows: 2}).Draw(t, "world")
	if col := slugColumn(x.Creds.HostPattern); col != "" {
		if err := setSlugs(x.DB.Catalog, w, col); err != nil {
			return nil, stats, err
		}
	}
	if err := load(ctx, x.DB, w); err != nil {
		return nil, stats, err
	}
	stats.Tenants, stats.WorldRows = len(w.Tenants), len(w.Rows)
	before, err := digest(ctx, x.DB)
	if err != nil {
		return nil, stats, err
	}
	ids := map[int][][]string{}
	for k, e := range x.Spec.Endpoints {
		if e.Table != "" {
			ids[k] = idsOf(w, e.Table, e.IDColumn)
		}
	}
	for i := 0; i < opts.Statements; i++ {
		q, err := x.draw(ctx, t, w, ids, i)
		if err != nil {
			return nil, stats, err
		}
		resp, err := q.do(client, x.Scope, x.Spec.TenantHeader)
		if err != nil {
			return nil, stats, fmt.Errorf("%w (is the service still running at %s?)", err, x.Scope.Base.Redacted())
		}
		stats.Statements++
		own := q.Cred.Kind == api.Valid && resp.Status/100 == 2 && ownSeen(w, q.viewer, resp.Body)
		if own {
			stats.Own = 1
		}
		// A plain list reaches when it serves tenant rows while others
		// hold some: its answer is where a missing filter would show.
		if q.reaches || (own && q.Method == http.MethodGet && q.idKind == idNone && len(w.Tenants) > 1) {
			stats.Reached++
		}
		if f := x.judge(w, q, resp); f != nil {
			return f, stats, nil
		}
		if q.Method != http.MethodGet {
			after, err := digest(ctx, x.DB)
			if err != nil {
				return nil, stats, err
			}
			if f := x.changed(w, q, resp.Status, before, after); f != nil {
				return f, stats, nil
			}
			before = after
		}
		if f, err := x.sideChannel(w, q, resp, client); f != nil || err != nil {
			return f, stats, err
		}
	}
	return nil, stats, nil
}

func slugColumn(pattern string) string {
	if m := placeholder.FindStringSubmatch(pattern); m != nil {
		return m[1]
	}
	return ""
}

func tenantOf(w *generators.World, k int, hostPattern string) Tenant {
	t := Tenant{ID: w.TenantID(k), Label: w.Tenants[k].Label}
	if hostPattern != "" {
		t.Slug = slugFor(w, k)
	}
	return t
}

// draw generates the i-th request of a check.
func (x *Target) draw(ctx context.Context, t *rapid.T, w *generators.World, ids map[int][][]string, i int) (*request, error) {
	n := len(w.Tenants)
	label := func(s string) string { return fmt.Sprintf("%s %d", s, i+1) }
	q := &request{viewer: rapid.IntRange(0, n-1).Draw(t, label("viewer")), foreign: -1}
	other := (q.viewer + 1 + rapid.IntRange(0, n-2).Draw(t, label("other"))) % n
	own, foreign := tenantOf(w, q.viewer, x.Creds.HostPattern), tenantOf(w, other, x.Creds.HostPattern)
	names := func() { q.foreign, q.reaches = other, true }

	hostile, err := x.Creds.Hostile(ctx, own)
	if err != nil {
		return nil, err
	}
	kind := api.Valid
	if len(hostile) > 0 && rapid.IntRange(0, 9).Draw(t, label("hostile?")) >= 7 {
		kind = rapid.SampledFrom(hostile).Draw(t, label("credential"))
	}
	if q.Cred, err = x.Creds.Mint(ctx, kind, own, foreign, time.Now()); err != nil {
		return nil, err
	}
	if kind == api.AlgNone || kind == api.WrongKey || kind == api.Forged {
		names()
	}
	q.Host = x.Creds.Host(own)
	if q.Host != "" && x.Creds.Tokens() && rapid.IntRange(0, 9).Draw(t, label("foreign host?")) >= 8 {
		q.Host = x.Creds.Host(foreign)
		names()
	}
	if x.Spec.TenantHeader != "" && rapid.IntRange(0, 9).Draw(t, label("header?")) >= 7 {
		q.Header = foreign.ID
		names()
	}

	q.endpoint = rapid.IntRange(0, len(x.Spec.Endpoints)-1).Draw(t, label("endpoint"))
	e := x.Spec.Endpoints[q.endpoint]
	q.Method = e.Method
	repl := []string{"{canary}", generators.Canary(q.viewer)}
	if strings.Contains(e.Path+e.Body, "{id}") {
		q.idKind = rapid.SampledFrom([]string{idOwn, idForeign, idMissing}).Draw(t, label("id"))
		pool := map[string][]string{idOwn: ids[q.endpoint][q.viewer], idForeign: ids[q.endpoint][other]}[q.idKind]
		if len(pool) == 0 {
			q.idKind = idMissing
		}
		if q.idKind == idMissing {
			q.id = missingID(ids[q.endpoint], i)
		} else {
			q.id = rapid.SampledFrom(pool).Draw(t, label("id value"))
		}
		if q.idKind == idForeign {
			names()
		}
		repl = append(repl, "{id}", q.id)
	}
	if strings.Contains(e.Path+e.Body, "{tenant}") {
		tid := own.ID
		if rapid.Bool().Draw(t, label("foreign tenant?")) {
			tid = foreign.ID
			names()
		}
		repl = append(repl, "{tenant}", tid)
	}
	r := strings.NewReplacer(repl...)
	q.Path = r.Replace(e.Path)
	if e.Body != "" {
		q.Body = []byte(r.Replace(e.Body))
	}
	return q, nil
}

// missingID is a well-formed id no generated row carries: a uuid when the
// table's ids are uuids, else a large integer.
func missingID(byTenant [][]string, i int) string {
	for _, ids := range byTenant {
		for _, id := range ids {
			if !uuidIn.MatchString(id) {
				return fmt.Sprint(987654300 + i)
			}
		}
	}
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", 900000+i)
}

func ownSeen(w *generators.World, viewer int, body []byte) bool {
	_, ok := api.TraceOwners(w, body)[viewer]
	return ok
}

// finding builds a finding of kind about q.
func (x *Target) finding(w *generators.World, q *request, kind harness.Kind, other int, status int, evidence ...string) *harness.Finding {
	viewer := w.Tenants[q.viewer]
	f := &harness.Finding{Kind: kind, Severity: api.Kinds[kind], Property: api.APIIsolation.Name, Relation: api.Subject,
		Tenant: viewer.ID, TenantLabel: viewer.Label, Context: "credential " + string(q.Cred.Kind),
		Statement: q.Method + " " + q.Path, Script: q.curl(x.Scope, x.Spec.TenantHeader, x.How)}
	if other >= 0 {
		f.OtherTenant, f.OtherLabel = w.Tenants[other].ID, w.Tenants[other].Label
	}
	head := fmt.Sprintf("%s %s by %s (%s credential%s) answered %d", q.Method, q.Path, viewer.Label, q.Cred.Kind, x.note(q), status)
	f.Evidence = append([]string{head}, evidence...)
	return f
}

func (x *Target) note(q *request) string {
	var s []string
	if q.Header != "" {
		s = append(s, x.Spec.TenantHeader+" of another tenant")
	}
	if q.Host != "" && q.foreign >= 0 && strings.Contains(q.Host, "tf"+fmt.Sprint(q.foreign+1)+"-") {
		s = append(s, "Host of another tenant")
	}
	if q.idKind == idForeign {
		s = append(s, "an id of another tenant")
	}
	if len(s) == 0 {
		return ""
	}
	return ", " + strings.Join(s, ", ")
}

// judge is the oracle of one response: a value of a tenant other than the
// caller's in a 2xx answer is critical; a hostile credential honoured (a
// 2xx answer holding tenant values, or to a write) is critical.
func (x *Target) judge(w *generators.World, q *request, resp *response) *harness.Finding {
	if resp.Status/100 != 2 {
		return nil
	}
	traced := api.TraceOwners(w, resp.Body)
	others := make([]int, 0, len(traced))
	for o := range traced {
		if o != q.viewer {
			others = append(others, o)
		}
	}
	sort.Ints(others)
	if len(others) > 0 {
		o := others[0]
		kind, what := api.KindCrossTenantRead, "the response holds a value of "+w.Tenants[o].Label
		if q.Method != http.MethodGet {
			kind, what = api.KindCrossTenantWrite, "the write answered with a row of "+w.Tenants[o].Label
		}
		return x.finding(w, q, kind, o, resp.Status, what+": "+api.RedactValue(traced[o]))
	}
	if q.Cred.Kind != api.Valid && (len(traced) > 0 || q.Method != http.MethodGet) {
		return x.finding(w, q, api.KindAuthBypass, q.foreign, resp.Status, "a hostile credential was honoured: it must get 401")
	}
	return nil
}

// changed: after a write, the rows of a tenant other than the caller's
// must be as they were.
func (x *Target) changed(w *generators.World, q *request, status int, before, after map[string]string) *harness.Finding {
	for k := range w.Tenants {
		if k == q.viewer {
			continue
		}
		id := strings.ToLower(w.TenantID(k))
		var tables []string
		for key := range unionKeys(before, after) {
			tid, table, _ := strings.Cut(key, "\t")
			if tid == id && before[key] != after[key] {
				tables = append(tables, table)
			}
		}
		if len(tables) > 0 {
			sort.Strings(tables)
			return x.finding(w, q, api.KindCrossTenantWrite, k, status,
				fmt.Sprintf("the rows of %s changed in %s after this request of %s", w.Tenants[k].Label, strings.Join(tables, ", "), w.Tenants[q.viewer].Label))
		}
	}
	return nil
}

func unionKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// sideChannel compares a refused request for another tenant's id with the
// same request for an id that exists nowhere: status and body size (with
// the id itself blanked) must not differ.
func (x *Target) sideChannel(w *generators.World, q *request, resp *response, client *http.Client) (*harness.Finding, error) {
	if q.idKind != idForeign || q.Cred.Kind != api.Valid || q.Header != "" || q.Method != http.MethodGet || resp.Status/100 == 2 {
		return nil, nil
	}
	if q.Host != "" && q.Host != x.Creds.Host(tenantOf(w, q.viewer, x.Creds.HostPattern)) {
		return nil, nil
	}
	probe := *q
	probe.id = "00000000-0000-4000-8000-000000999999"
	if !uuidIn.MatchString(q.id) {
		probe.id = "987654399"
	}
	probe.Path = strings.Replace(q.Path, q.id, probe.id, 1)
	missing, err := probe.do(client, x.Scope, x.Spec.TenantHeader)
	if err != nil {
		return nil, err
	}
	size := func(r *response, id string) int { return len(strings.ReplaceAll(string(r.Body), id, "")) }
	if missing.Status == resp.Status && size(missing, probe.id) == size(resp, q.id) {
		return nil, nil
	}
	f := x.finding(w, q, api.KindSideChannel, q.foreign, resp.Status,
		fmt.Sprintf("an id of %s answered %d with %d bytes, an id of nobody (%s) answered %d with %d bytes: the answer tells which ids other tenants hold",
			w.Tenants[q.foreign].Label, resp.Status, len(resp.Body), probe.Path, missing.Status, len(missing.Body)))
	f.Script += "\n" + probe.curl(x.Scope, x.Spec.TenantHeader, x.How)
	return f, nil
}
