package harness_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// Each property's reach (harness/reach.go) is what could have shown a
// leak. These tests hold each definition to a target on which nothing
// could: reach is zero, and the verdict is not a pass, although the
// statements ran (and, where the property has one, the positive control
// held). Under a looser count (every accepted value, every trick that
// ran, every valid insert, any digest change) each of them passed.

func reachOverlay(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "reach", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func requireZeroReach(t *testing.T, res *harness.Result, control bool) {
	t.Helper()
	t.Logf("%s %s: verdict %s (%s); checks=%d stmts=%d reached=%d own=%d rejected=%d", res.Property, res.Relation, res.Verdict, res.Reason,
		res.Checks, res.Statements, res.Reached, res.Own, res.Rejected)
	if res.Err != nil || len(res.Findings) > 0 {
		t.Fatalf("err=%v findings=%v", res.Err, res.Findings)
	}
	if res.Checks == 0 || res.Statements == 0 {
		t.Fatalf("nothing ran: %+v", res.Stats)
	}
	if res.Reached != 0 {
		t.Errorf("reached foreign = %d, want 0: nothing on this target could show a leak", res.Reached)
	}
	if control && res.Own == 0 {
		t.Errorf("the positive control never held: the test does not isolate reach")
	}
	if res.Verdict == harness.VerdictPass || res.Verdict == harness.VerdictNotApplicable {
		t.Errorf("verdict %s, want blind: a run that could not have seen a leak passed", res.Verdict)
	}
}

// TestHostileIDsZeroReach: a setter that casts to uuid accepts only ids
// that name a tenant (spelled differently); in two-tenant worlds every
// accepted value is read as the viewer or the other tenant, whose rows it
// may then show, so no check could show an injection.
func TestHostileIDsZeroReach(t *testing.T) {
	t.Parallel()
	tg := testenv.TargetWith(t, harness.Config{Context: "sql", ContextSQL: "select set_tenant($1::uuid)"})
	opts := harness.RunOptions{Checks: 15, Seed: 3, ShrinkTime: time.Second, World: generators.WorldOptions{MinTenants: 2, MaxTenants: 2, MaxRows: 1}}
	res := harness.HostileIDs.RunSubject(context.Background(), tg, harness.HostileIDs.Subjects(tg)[0], opts)
	requireZeroReach(t, res, true)
}

// TestRoleTricksZeroReach: the application role reads no tenant table, so
// whatever trick runs (SET of the context setting does), the session can
// show no tenant's rows.
func TestRoleTricksZeroReach(t *testing.T) {
	t.Parallel()
	tg := testenv.Target(t, reachOverlay(t, "no_select.sql"))
	res := harness.RoleTricks.RunSubject(context.Background(), tg, harness.RoleTricks.Subjects(tg)[0], harness.RunOptions{Checks: 15, Seed: 4, ShrinkTime: time.Second})
	if res.Rejected >= res.Statements {
		t.Fatalf("every trick was refused (%d of %d): the test needs tricks that run", res.Rejected, res.Statements)
	}
	requireZeroReach(t, res, false)
}

// TestSideChannelZeroReach: a global unique key on users.email checked
// only at commit: the probe never commits, so the colliding insert never
// collides where a tenant could see it.
func TestSideChannelZeroReach(t *testing.T) {
	t.Parallel()
	tg := testenv.Target(t, reachOverlay(t, "deferred_email_key.sql"))
	users := tg.Catalog.Relation("users")
	if ok, why := harness.SideChannel.AppliesTo(tg, harness.Subject{Name: "users", Rel: users}); !ok {
		t.Fatalf("side-channel does not apply to users: %s", why)
	}
	res := harness.SideChannel.Run(context.Background(), tg, users, harness.RunOptions{Checks: 15, Seed: 5, ShrinkTime: time.Second})
	requireZeroReach(t, res, false)
}

// TestWriteIsolationZeroReach: notes is insert-only and a trigger stamps
// every row with the context's tenant, so no write, even run by the admin,
// changes another tenant's rows; the tenant's own inserts (the positive
// control) do change its rows, which a count of any digest change took
// for reach.
func TestWriteIsolationZeroReach(t *testing.T) {
	t.Parallel()
	tg := testenv.Target(t, reachOverlay(t, "stamped_notes.sql"))
	notes := tg.Catalog.Relation("notes")
	if notes == nil {
		t.Fatal("notes not in the catalog")
	}
	res := harness.WriteIsolation.Run(context.Background(), tg, notes, harness.RunOptions{Checks: 15, Seed: 6, ShrinkTime: time.Second})
	requireZeroReach(t, res, true)
}
