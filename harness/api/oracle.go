package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// owners traces the response body's values to tenants.
func owners(w *generators.World, body []byte) map[int]string {
	out := map[int]string{}
	vals, _ := values(body)
	for _, v := range vals {
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

// finding builds a finding of kind about request q (other: the tenant
// whose data it shows, -1 none) with its curl reproduction.
func finding(w *generators.World, q *Request, resp *Response, base string, kind harness.Kind, other int, evidence ...string) *harness.Finding {
	viewer := w.Tenants[q.Viewer]
	f := &harness.Finding{Kind: kind, Severity: Kinds[kind], Property: APIIsolation.Name, Relation: Subject,
		Tenant: viewer.ID, TenantLabel: viewer.Label, Context: "jwt " + string(q.Cred.Kind),
		Statement: q.Method + " " + q.Path, Script: q.Curl(base)}
	if q.Host != "" {
		f.Context += ", Host " + q.Host
	}
	if other >= 0 {
		f.OtherTenant, f.OtherLabel = w.Tenants[other].ID, w.Tenants[other].Label
	}
	first := fmt.Sprintf("%s %s by %s (%s token", q.Method, q.Path, viewer.Label, q.Cred.Kind) + requestNote(q) + fmt.Sprintf(") answered %d", resp.Status)
	f.Evidence = append([]string{first + ": " + evidence0(kind, w, other)}, evidence...)
	return f
}

// Judge is the oracle of one response to q on world w: a value of a
// tenant other than the client's in a 2xx answer is critical (a read, or
// a write for a write); a 2xx answer to a hostile credential is critical.
// It needs nothing but the response, so it judges any service's.
func Judge(w *generators.World, q *Request, resp *Response, base string) *harness.Finding {
	if resp.Status/100 != 2 {
		return nil
	}
	own := owners(w, resp.Body)
	var others []int
	for o := range own {
		if o != q.Viewer {
			others = append(others, o)
		}
	}
	sort.Ints(others)
	if len(others) > 0 {
		kind := KindCrossTenantRead
		if q.Write() {
			kind = KindCrossTenantWrite
		}
		return finding(w, q, resp, base, kind, others[0], "foreign value in the response: "+redact(own[others[0]]))
	}
	if !q.Cred.Kind.Genuine() {
		return finding(w, q, resp, base, KindAuthBypass, -1, "a hostile credential must get 401")
	}
	return nil
}

func evidence0(kind harness.Kind, w *generators.World, other int) string {
	switch {
	case kind == KindCrossTenantRead:
		return "the response holds a value of " + w.Tenants[other].Label
	case kind == KindCrossTenantWrite && other >= 0:
		return "the write landed in " + w.Tenants[other].Label
	case kind == KindContextLeak:
		return "a pooled connection still holds a tenant context after the request"
	}
	return "a hostile credential was honoured"
}

func requestNote(q *Request) string {
	s := ""
	if q.Header != "" {
		s += ", " + HeaderTenant + " of another tenant"
	}
	if q.HostNote != "" {
		s += ", " + q.HostNote
	}
	if q.Endpoint == EpCreate && q.Foreign >= 0 && q.Cred.Kind.Genuine() && q.Header == "" && q.HostNote == "" {
		s += ", body naming another tenant"
	}
	if q.Endpoint == EpListParam {
		s += ", tenant_id parameter of another tenant"
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

// changedOthers compares every tenant's digest after a write with before:
// a tenant other than the writer whose rows changed is a critical
// cross-tenant write, even when the response does not show it.
func changedOthers(ctx context.Context, env *Env, w *generators.World, q *Request, resp *Response, base string, before map[string]string) (*harness.Finding, error) {
	after, err := env.Digests(ctx)
	if err != nil {
		return nil, err
	}
	for k, tn := range w.Tenants {
		if k == q.Viewer || before[tn.ID] == after[tn.ID] {
			continue
		}
		return finding(w, q, resp, base, KindCrossTenantWrite, k, fmt.Sprintf("the rows of %s changed (digest %.8s before, %.8s after)", tn.Label, before[tn.ID], after[tn.ID])), nil
	}
	return nil, nil
}

// sideChannel compares a refused get of another tenant's id (document or
// chunk) with the same request for an id that exists nowhere: the answers
// must not differ in status or body size.
func sideChannel(ctx context.Context, w *generators.World, q *Request, resp *Response, client *http.Client, base string, i int) (*harness.Finding, error) {
	if (q.Endpoint != EpGetForeign && q.Endpoint != EpChunkForeign) || !q.Cred.Kind.Genuine() || q.Header != "" || q.Host != "" || resp.Status/100 == 2 {
		return nil, nil
	}
	probe := *q
	probe.Path = "/documents/" + MissingID(i)
	if q.Endpoint == EpChunkForeign {
		probe.Path = "/chunks/" + MissingID(i)
	}
	missing, err := probe.Do(ctx, client, base)
	if err != nil {
		return nil, err
	}
	if missing.Status == resp.Status && len(missing.Body) == len(resp.Body) {
		return nil, nil
	}
	f := finding(w, q, resp, base, KindSideChannel, q.Foreign)
	f.Script += "\n" + probe.Curl(base)
	f.Evidence = []string{
		fmt.Sprintf("%s %s (an id of %s) by %s answered %d with %d bytes, %s (an id of nobody) answered %d with %d bytes: the answer tells which ids other tenants hold",
			q.Method, q.Path, w.Tenants[q.Foreign].Label, w.Tenants[q.Viewer].Label, resp.Status, len(resp.Body), probe.Path, missing.Status, len(missing.Body)),
	}
	return f, nil
}

// leftContext looks for a tenant context left on the service's pooled
// connections after the request ended.
func leftContext(ctx context.Context, env *Env, w *generators.World, q *Request, resp *Response, base string) (*harness.Finding, error) {
	left, err := env.LeftContext(ctx)
	if err != nil || left == "" {
		return nil, err
	}
	other := -1
	for k, tn := range w.Tenants {
		if tn.ID == left {
			other = k
		}
	}
	f := finding(w, q, resp, base, KindContextLeak, other,
		fmt.Sprintf("after the request, an idle connection of the service's pool still has app.tenant_id = %s: the next request on it starts as that tenant", left))
	if other == q.Viewer {
		f.OtherTenant, f.OtherLabel = "", ""
	}
	return f, nil
}
