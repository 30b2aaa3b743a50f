package harness_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestExamples: the example schemas of fixtures/examples run with the
// generic engine, clean as written and caught with their seeded defect.
func TestExamples(t *testing.T) {
	for _, c := range []struct {
		schema, defect, relation string
		cfg                      harness.Config
	}{
		{"examples/parent", "examples/parent-defects/comments_policy_unscoped.sql", "comments", harness.Config{}},
		{"examples/supabase", "examples/supabase-defects/authenticated_sees_all.sql", "projects",
			harness.Config{Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}},
	} {
		t.Run(c.schema, func(t *testing.T) {
			schema, err := harness.LoadSchema(testenv.Fixture(c.schema))
			if err != nil {
				t.Fatal(err)
			}
			cfg := c.cfg
			cfg.Schema = schema
			clean := testenv.TargetWith(t, cfg)
			for _, p := range []*harness.Property{harness.ReadIsolation, harness.FailClosed, harness.WriteIsolation, harness.PoolIsolation} {
				for _, subj := range p.Subjects(clean) {
					res := p.RunSubject(context.Background(), clean, subj, harness.RunOptions{Checks: 10, Seed: 11, ShrinkTime: time.Second})
					if res.Err != nil || len(res.Findings) > 0 || (res.Verdict != harness.VerdictPass && res.Verdict != harness.VerdictNotApplicable) {
						t.Errorf("%s %s on the clean example: verdict %s (%s) err=%v findings=%v", p.Name, subj.Name, res.Verdict, res.Reason, res.Err, res.Findings)
					}
				}
			}
			large := largeOpts
			large.Checks = 10
			for _, res := range runLarge(t, clean, large) {
				if res.Err != nil || len(res.Findings) > 0 {
					t.Errorf("large-world %s on the clean example: err=%v findings=%v", res.Relation, res.Err, res.Findings)
				}
			}
			broken := testenv.TargetWith(t, cfg, c.defect)
			res := harness.ReadIsolation.Run(context.Background(), broken, broken.Catalog.Relation(c.relation), harness.RunOptions{Checks: 40, Seed: 11, ShrinkTime: time.Second})
			if res.Err != nil || len(res.Findings) == 0 || res.Findings[0].Relation != c.relation {
				t.Errorf("seeded defect missed: err=%v findings=%v", res.Err, res.Findings)
			}
			found := false
			for _, res := range runLarge(t, broken, large) {
				found = found || (len(res.Findings) > 0 && res.Findings[0].Relation == c.relation)
			}
			if !found {
				t.Errorf("the large world missed the seeded defect on %s", c.relation)
			}
		})
	}
}
