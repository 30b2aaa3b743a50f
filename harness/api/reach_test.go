package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"pgregory.net/rapid"
)

// TestAPIIsolationZeroReach holds api-isolation's reach (Request.Reaches:
// the request names another tenant, or lists while others hold documents)
// to requests on which nothing could show a leak: each is a genuine
// token's get of one of its own tenant's documents (or of an id that
// exists nowhere), against the reference service on a real database. The
// requests ran and the positive control held (own rows seen), reach is
// zero, and the verdict is blind, not a pass: a count of every request,
// or of every 2xx answer, passed it. Not parallel: it narrows the
// property's draw (api.SetDrawRequest) while it runs.
func TestAPIIsolationZeroReach(t *testing.T) {
	env := testEnv(t)
	api.SetDrawRequest(t, func(rt *rapid.T, w *generators.World, ids api.IDs, keys api.Keys, _ string, i int) (*api.Request, error) {
		v := rapid.IntRange(0, len(w.Tenants)-1).Draw(rt, "viewer")
		own := w.TenantID(v)
		cred, err := keys.Mint(api.Valid, own, own, time.Now())
		if err != nil {
			return nil, err
		}
		q := &api.Request{Endpoint: api.EpGetMissing, Method: http.MethodGet, Path: "/documents/" + api.MissingID(i), Cred: cred, Viewer: v, Foreign: -1}
		if docs := ids.Docs[v]; len(docs) > 0 {
			q.Endpoint, q.Path = api.EpGetOwn, "/documents/"+rapid.SampledFrom(docs).Draw(rt, "own document")
		}
		return q, nil
	})
	res := api.APIIsolation.Run(context.Background(), env, opts(8, 21))
	t.Logf("verdict %s (%s); checks=%d requests=%d reached=%d own=%d", res.Verdict, res.Reason, res.Checks, res.Statements, res.Reached, res.Own)
	if res.Err != nil || len(res.Findings) > 0 {
		t.Fatalf("err=%v findings=%v", res.Err, res.Findings)
	}
	if res.Checks == 0 || res.Statements == 0 {
		t.Fatalf("nothing ran: %+v", res.Stats)
	}
	if res.Own == 0 {
		t.Fatal("the positive control never held: the test does not isolate reach")
	}
	if res.Reached != 0 {
		t.Errorf("reached = %d, want 0: no request named another tenant", res.Reached)
	}
	if res.Verdict == harness.VerdictPass || res.Verdict == harness.VerdictNotApplicable {
		t.Errorf("verdict %s, want blind: a run that could not have seen a leak passed", res.Verdict)
	}
}
