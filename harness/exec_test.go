package harness_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// value returns the single value of a one-row, one-column result.
func value(r harness.RunResult) string {
	if len(r.Rows) != 1 || len(r.Rows[0]) != 1 || r.Rows[0][0] == nil {
		return "<none>"
	}
	return *r.Rows[0][0]
}

// TestQueriesRunEachUnderItsSavepoint: runs sent in one round trip behave
// as if sent one by one: results in order, a failing run (even a syntax
// error) spoils no other, each run's effects and role are rolled back, and
// the transaction stays usable.
func TestQueriesRunEachUnderItsSavepoint(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t)
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	res, err := harness.Queries(ctx, tx, "", [][2]string{
		{"", "SELECT 1"},
		{"", "SELEC broken"},
		{"", "SELECT 1/0"},
		{"SET LOCAL ROLE app_user;", "SELECT current_user"},
		{"", "INSERT INTO tenants (id, name, slug) VALUES ('7e4a0000-0000-4000-8000-000000000001', 'x', 'x') RETURNING slug"},
		{"", "SELECT current_user || ':' || count(*) FROM tenants"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ value, code string }{{"1", ""}, {"<none>", "42601"}, {"<none>", "22012"}, {"app_user", ""}, {"x", ""}, {"postgres:0", ""}}
	for i, w := range want {
		if got := value(res[i]); got != w.value || res[i].Code != w.code {
			t.Errorf("run %d = %q (code %q, err %v), want %q (code %q)", i, got, res[i].Code, res[i].Err, w.value, w.code)
		}
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&n); err != nil || n != 0 {
		t.Errorf("after the runs: count = %d, %v; want 0 rows and a usable transaction", n, err)
	}
}

// TestQueriesResumeAndLead: resume skips runs after a failure (they carry
// ErrNotRun), and a failing lead is the call's error.
func TestQueriesResumeAndLead(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t)
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	res, err := harness.Queries(ctx, tx, "", [][2]string{{"", "SELECT nope"}, {"", "SELECT 2"}, {"", "SELECT 3"}},
		func(int) int { return 2 })
	if err != nil || res[0].Err == nil || !errors.Is(res[1].Err, harness.ErrNotRun) || value(res[2]) != "3" {
		t.Errorf("resume: err=%v results=%+v", err, res)
	}
	if _, err := harness.Queries(ctx, tx, "SET LOCAL ROLE no_such_role;", [][2]string{{"", "SELECT 1"}}, nil); err == nil {
		t.Error("a failing lead returned no error")
	}
}

// TestReadCheckOnCommittedWorld: read checks against a committed world
// pass on the reference schema and reach other tenants' rows; with RLS off
// they find the leak.
func TestReadCheckOnCommittedWorld(t *testing.T) {
	for _, c := range []struct {
		overlays []string
		leak     bool
	}{{nil, false}, {[]string{"mutants/rls_off.sql"}, true}} {
		tg := testenv.Target(t, c.overlays...)
		w, stmts := committedWorld(t, tg)
		var st harness.Stats
		var found *harness.Finding
		for i := 0; i < len(w.Tenants) && found == nil; i++ {
			f, s, err := tg.ReadCheck(context.Background(), w, i, stmts)
			if err != nil {
				t.Fatal(err)
			}
			found = f
			st.Checks, st.Reached = st.Checks+s.Checks, st.Reached+s.Reached
		}
		if c.leak != (found != nil) {
			t.Errorf("overlays %v: finding = %v, want a leak: %v", c.overlays, found, c.leak)
		}
		if !c.leak && (st.Checks != len(w.Tenants) || st.Reached == 0) {
			t.Errorf("reference: stats %+v: checks missing or no foreign rows reached", st)
		}
	}
}
