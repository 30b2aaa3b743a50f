package harness_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestUnsetConnectionsAreNeverReusedOnceSet: fail-closed's unset state
// reuses its connections on the reference schema, and a connection on
// which the context was once set is never used again. The seeded defects
// are an insert trigger (so the world's own load, in the unset state's
// transaction) that sets the context for the session, and one that sets
// it transaction-locally (rolled back, it still leaves a placeholder that
// reads the empty string): every check's connection must then be found
// set and closed, and no backend that ran a tainted check may run another.
// Not parallel: it installs a package-wide hook.
func TestUnsetConnectionsAreNeverReusedOnceSet(t *testing.T) {
	tg := testenv.Target(t)
	ctx := context.Background()
	var mu sync.Mutex
	type use struct {
		pid   uint32
		unset bool
	}
	var uses []use
	harness.SetUnsetUsed(func(pid uint32, unset bool) {
		mu.Lock()
		defer mu.Unlock()
		uses = append(uses, use{pid, unset})
	})
	defer harness.SetUnsetUsed(nil)
	run := func(what string) []use {
		t.Helper()
		mu.Lock()
		uses = nil
		mu.Unlock()
		res := harness.FailClosed.Run(ctx, tg, tg.Catalog.Relation("documents"), harness.RunOptions{Checks: 12, Seed: 5})
		if res.Err != nil || len(res.Findings) > 0 {
			t.Fatalf("%s: err=%v findings=%v", what, res.Err, res.Findings)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(uses) < 12 {
			t.Fatalf("%s: %d unset runs, want one per check", what, len(uses))
		}
		return append([]use(nil), uses...)
	}

	// Reference: nothing sets the context outside the empty and tenant
	// states (on the pool): the unset connections stay unset and are reused.
	ref := run("reference")
	pids := map[uint32]bool{}
	for _, u := range ref {
		if !u.unset {
			t.Fatalf("reference: backend %d found set after an unset check", u.pid)
		}
		pids[u.pid] = true
	}
	if len(pids) > 2 {
		t.Errorf("reference: %d unset checks ran on %d backends, want reuse", len(ref), len(pids))
	}

	tainted := map[uint32]bool{}
	for _, local := range []string{"false", "true"} {
		trigger := `CREATE OR REPLACE FUNCTION tf_test_set_context() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM set_config('app.tenant_id', '', ` + local + `); RETURN NULL; END $$;
DROP TRIGGER IF EXISTS tf_test_set_context ON tenants;
CREATE TRIGGER tf_test_set_context AFTER INSERT ON tenants FOR EACH STATEMENT EXECUTE FUNCTION tf_test_set_context()`
		if _, err := tg.Pool.Exec(ctx, trigger); err != nil {
			t.Fatal(err)
		}
		for _, u := range run("set_config(..., " + local + ") in an insert trigger") {
			if tainted[u.pid] {
				t.Errorf("local=%s: backend %d ran an unset check after the context was set on it", local, u.pid)
			}
			if u.unset {
				t.Errorf("local=%s: backend %d found unset after its world load set the context", local, u.pid)
			}
			tainted[u.pid] = true
		}
	}
	if _, err := tg.Pool.Exec(ctx, "DROP TRIGGER tf_test_set_context ON tenants; DROP FUNCTION tf_test_set_context()"); err != nil {
		t.Fatal(err)
	}
	// Back on the reference: new, unset connections again.
	for _, u := range run("reference again") {
		if tainted[u.pid] || !u.unset {
			t.Errorf("reference again: backend %d (tainted %v, unset %v)", u.pid, tainted[u.pid], u.unset)
		}
	}
}
