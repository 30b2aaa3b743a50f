package harness_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestPlanCacheLeavesNothingBehind: a plan-cache check that fails after
// its PREPARE (EXECUTE switches to a role that does not exist) leaves no
// prepared statement on any pooled connection, and the next run is clean.
func TestPlanCacheLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t)
	subj := harness.PlanCache.Subjects(tg)[0]
	harness.SetExecuteRole(func(*harness.Target) string { return "tf_no_such_role" })
	res := harness.PlanCache.RunSubject(ctx, tg, subj, harness.RunOptions{Checks: 5, Seed: 2, ShrinkTime: time.Second})
	harness.SetExecuteRole(nil)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "tf_no_such_role") {
		t.Fatalf("want the check to fail midway, got err=%v findings=%v", res.Err, res.Findings)
	}
	conns := tg.Pool.AcquireAllIdle(ctx)
	if len(conns) == 0 {
		t.Fatal("no idle connection to inspect")
	}
	for _, c := range conns {
		var left []string
		rows, err := c.Query(ctx, "SELECT name FROM pg_prepared_statements WHERE name LIKE 'tf_%'")
		if err == nil {
			for rows.Next() {
				var n string
				_ = rows.Scan(&n)
				left = append(left, n)
			}
			err = rows.Err()
		}
		c.Release()
		if err != nil || len(left) > 0 {
			t.Errorf("connection kept prepared statements %v (err %v)", left, err)
		}
	}
	res = harness.PlanCache.RunSubject(ctx, tg, subj, harness.RunOptions{Checks: 10, Seed: 2})
	if res.Err != nil || len(res.Findings) > 0 || res.Reached == 0 {
		t.Fatalf("after a failed check: err=%v findings=%v stats=%+v", res.Err, res.Findings, res.Stats)
	}
}

// TestPlanCacheRealWorld: on the vendor sample the probe sets the context
// with the application's setter (its policies read app.current_tenant and
// raise without it) and reaches other tenants' rows; on owner-member, where
// the application role inherits the owner's exemption from row security,
// the property does not apply and says why.
func TestPlanCacheRealWorld(t *testing.T) {
	for _, c := range []struct {
		schema string
		cfg    harness.Config
		err    string // "" for a clean conclusive run
	}{
		{"realworld/vendor-sample", harness.Config{ContextSQL: "select set_tenant_context($1::uuid)"}, ""},
		{"realworld/owner-member", harness.Config{AppRole: "api"}, "is a member of its owner saas_owner"},
	} {
		t.Run(c.schema, func(t *testing.T) {
			t.Parallel()
			schema, err := harness.LoadSchema(testenv.Fixture(c.schema))
			if err != nil {
				t.Fatal(err)
			}
			cfg := c.cfg
			cfg.Schema = schema
			tg := testenv.TargetWith(t, cfg)
			res := harness.PlanCache.RunSubject(context.Background(), tg, harness.PlanCache.Subjects(tg)[0], harness.RunOptions{Checks: 10, Seed: 3, ShrinkTime: time.Second})
			if c.err == "" {
				if res.Err != nil || len(res.Findings) > 0 || res.Reached == 0 {
					t.Fatalf("err=%v findings=%v stats=%+v", res.Err, res.Findings, res.Stats)
				}
				return
			}
			if res.Verdict != harness.VerdictNotApplicable || !strings.Contains(res.Reason, c.err) {
				t.Fatalf("want not applicable naming %q, got %s (%s), err %v", c.err, res.Verdict, res.Reason, res.Err)
			}
			t.Log(res.Reason)
		})
	}
}
