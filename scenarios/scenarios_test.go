package scenarios_test

import (
	"context"
	"os"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"github.com/tenantfuzz/tenantfuzz/properties"
	"github.com/tenantfuzz/tenantfuzz/scenarios"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

// TestScenarios runs the Ginkgo specs against the reference schema: every
// property passes on every readable relation, with checks that reached
// other tenants' rows; the large world is loaded for its specs and gone
// for the others, whatever order Ginkgo runs them in. The specs run on the
// parallel path (two workers: the target and a clone of it), as the gate
// runs them by default; TestParallelMatchesSerial (cmd/tenantfuzz) holds
// that path equal to the serial one.
func TestScenarios(t *testing.T) {
	tg := testenv.Target(t)
	workers, err := tg.Clones(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.CloseClones(workers) })
	s := &scenarios.Suite{Target: tg, Workers: workers, Options: harness.RunOptions{Checks: 30, Seed: 20261126, ReplayBase: "tenantfuzz replay",
		Large: harness.LargeOptions{Tenants: 1200, PerTenant: 2, Checks: 20}}}
	sc, rc := ginkgo.GinkgoConfiguration()
	rc.Succinct = true
	sc.LabelFilter = "!sql-access" // role tricks fail by design on a GUC-held context
	scenarios.RunT(t, s, sc, rc)
	results := s.Results()
	// Every subject of every property is reported; those a property does
	// not apply to (without a vector store or a router in the suite, their
	// properties; side-channel on tenant-scoped keys) as not applicable,
	// with the reason.
	want, na := 0, 0
	for _, p := range properties.All {
		if p.Name == harness.RoleTricks.Name {
			continue
		}
		for _, subj := range p.Subjects(&properties.Env{Target: tg, VectorOff: "none", RouterOff: "none"}) {
			want++
			if subj.NotApplicable != "" {
				na++
			}
		}
	}
	if len(results) != want || want < 11 {
		t.Fatalf("%d results, want %d (every property on every subject, applicable or not)", len(results), want)
	}
	if w := s.LargeWorld(); w == nil || w.Tenants != 1200 || tg.LargeWorld() != nil {
		t.Errorf("the large world was not loaded for its specs, or not dropped after them: %+v", w)
	}
	for _, r := range results {
		if r.Verdict == harness.VerdictNotApplicable {
			if r.Reason == "" {
				t.Errorf("%s %s: not applicable without a reason", r.Property, r.Relation)
			}
			na--
			continue
		}
		checks := 30
		if r.Property == harness.LargeWorld.Name {
			checks = 20
		}
		if r.Checks != checks || r.Reached == 0 || len(r.Findings) > 0 || r.Err != nil || r.Verdict != harness.VerdictPass {
			t.Errorf("%s %s: verdict %s (%s) checks=%d reached=%d own=%d findings=%d err=%v", r.Property, r.Relation, r.Verdict, r.Reason, r.Checks, r.Reached, r.Own, len(r.Findings), r.Err)
		}
	}
	if na != 0 {
		t.Errorf("%d not applicable results more than expected (negative: fewer)", -na)
	}
}
