package harness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// largeOpts is a large world just big enough for the lossy-key mutant
// (more than 1,000 tenants), small enough for make test.
var largeOpts = harness.RunOptions{Checks: 25, Seed: 3, ShrinkTime: 2 * time.Second,
	Large: harness.LargeOptions{Tenants: 1200, PerTenant: 3}}

// runLarge runs the large-world property on every readable relation of tg
// between its setup and teardown.
func runLarge(t *testing.T, tg *harness.Target, opts harness.RunOptions) []*harness.Result {
	t.Helper()
	ctx := context.Background()
	teardown, err := harness.LargeWorld.Prepare(ctx, tg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if w := tg.LargeWorld(); w == nil || w.Tenants != opts.Large.Tenants {
		t.Fatalf("after setup the target's large world is %+v", w)
	}
	var out []*harness.Result
	for _, subj := range harness.LargeWorld.Subjects(tg) {
		out = append(out, harness.LargeWorld.RunSubject(ctx, tg, subj, opts))
	}
	if err := teardown(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLargeWorldClean: on the reference schema the large-world property
// passes every readable relation, its probes reach other tenants' rows
// and are compared with the owner's, every returned row is attributed,
// and the teardown leaves the tables empty for small worlds again.
func TestLargeWorldClean(t *testing.T) {
	tg := testenv.Target(t)
	if !harness.LargeWorld.On(largeOpts) || harness.LargeWorld.On(harness.RunOptions{}) {
		t.Fatal("the large-world property must be on exactly when Large.Tenants is set")
	}
	var reached, compared, rows int
	for _, res := range runLarge(t, tg, largeOpts) {
		if res.Err != nil || len(res.Findings) > 0 {
			t.Errorf("%s: err=%v findings=%v", res.Relation, res.Err, res.Findings)
		}
		if res.Checks != largeOpts.Checks {
			t.Errorf("%s: %d checks, want %d", res.Relation, res.Checks, largeOpts.Checks)
		}
		if res.Unattributed > 0 && res.Relation == "documents" {
			t.Errorf("%s: %d rows not attributed", res.Relation, res.Unattributed)
		}
		reached, compared, rows = reached+res.Reached, compared+res.Compared, rows+res.Rows
		t.Logf("%s: %d checks, %d statements, %d discarded, %d reached, %d compared, %d rows, %.1fs",
			res.Relation, res.Checks, res.Statements, res.Discarded, res.Reached, res.Compared, res.Rows, res.Seconds)
	}
	if reached == 0 || compared == 0 || rows == 0 {
		t.Errorf("the probes proved nothing: reached=%d compared=%d rows=%d", reached, compared, rows)
	}
	var left int
	if err := tg.Pool.QueryRow(context.Background(), "SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM documents)").Scan(&left); err != nil || left != 0 {
		t.Errorf("%d rows left after the teardown: %v", left, err)
	}
	res := harness.ReadIsolation.Run(context.Background(), tg, tg.Catalog.Relation("documents"), harness.RunOptions{Checks: 5, Seed: 1})
	if res.Err != nil || len(res.Findings) > 0 {
		t.Errorf("small worlds after the teardown: err=%v findings=%v", res.Err, res.Findings)
	}
}

// TestLargeWorldRefusesSmallWorlds: while a large world is loaded, the
// small-world properties refuse to run (their rows would mix with it).
func TestLargeWorldRefusesSmallWorlds(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t)
	if _, err := tg.BulkLoad(ctx, harness.BulkOptions{Tenants: 10, PerTenant: 2}); err != nil {
		t.Fatal(err)
	}
	res := harness.ReadIsolation.Run(ctx, tg, tg.Catalog.Relation("documents"), harness.RunOptions{Checks: 5, Seed: 1})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "DropBulk") {
		t.Errorf("a small world ran over a large one: err=%v", res.Err)
	}
	if err := tg.DropBulk(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLargeWorldFindsLossyKey: a policy that compares the last three
// digits of the tenant id passes small worlds (2–6 tenants never collide)
// and is found by the large world, with the colliding tenant named, a
// reproduction script holding both tenants' rows, and a replay seed.
func TestLargeWorldFindsLossyKey(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t, "mutants/lossy_tenant_key.sql")
	docs := tg.Catalog.Relation("documents")
	small := harness.ReadIsolation.Run(ctx, tg, docs, harness.RunOptions{Checks: 100, Seed: 5})
	if small.Err != nil || len(small.Findings) > 0 {
		t.Fatalf("small worlds should not see the lossy key: err=%v findings=%v", small.Err, small.Findings)
	}
	teardown, err := harness.LargeWorld.Prepare(ctx, tg, largeOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer teardown(ctx)
	subj := harness.Subject{Name: "documents", Rel: docs}
	res := harness.LargeWorld.RunSubject(ctx, tg, subj, largeOpts)
	if res.Err != nil || len(res.Findings) == 0 {
		t.Fatalf("lossy key missed: err=%v checks=%d", res.Err, res.Checks)
	}
	f := res.Findings[0]
	if f.Relation != "documents" || (f.Kind != harness.KindCrossTenantRead && f.Kind != harness.KindDifferentialRead) {
		t.Errorf("finding %s on %s", f.Kind, f.Relation)
	}
	var viewer, other int
	if _, err := fmt.Sscanf(f.TenantLabel+" "+f.OtherLabel, "T%d T%d", &viewer, &other); err != nil || viewer%1000 != other%1000 || viewer == other {
		t.Errorf("the leak names %s and %s, which do not share a short code: %v", f.TenantLabel, f.OtherLabel, err)
	}
	if !strings.Contains(f.Script, "large world of 1200 tenants") || !strings.Contains(f.Script, f.Tenant) || !strings.Contains(f.Script, f.OtherTenant) {
		t.Errorf("the script does not insert the tenants involved:\n%s", f.Script)
	}
	again := largeOpts
	again.Seed, again.ExactSeed, again.Checks = f.Seed, true, 1
	if r := harness.LargeWorld.RunSubject(ctx, tg, subj, again); len(r.Findings) == 0 || r.Checks != 1 {
		t.Errorf("the finding does not replay from seed %d: %+v", f.Seed, r.Err)
	}
}

// TestLargeWorldKeepsSeededRows: rows the schema itself seeded into a
// table the large world fills are back after the teardown, and a
// materialized view shows the large world while it is loaded.
func TestLargeWorldKeepsSeededRows(t *testing.T) {
	ctx := context.Background()
	overlay := filepath.Join(t.TempDir(), "seed.sql")
	if err := os.WriteFile(overlay, []byte(`INSERT INTO tenants (id, name, slug) VALUES ('11111111-1111-4111-8111-111111111111', 'seeded demo', 'demo');
CREATE MATERIALIZED VIEW tenant_count AS SELECT count(*) AS n FROM tenants;
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := testenv.Target(t, overlay)
	if _, err := tg.BulkLoad(ctx, harness.BulkOptions{Tenants: 20, PerTenant: 2}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tg.Pool.QueryRow(ctx, "SELECT n FROM tenant_count").Scan(&n); err != nil || n != 20 {
		t.Errorf("the materialized view shows %d tenants while the large world is loaded, want 20: %v", n, err)
	}
	if err := tg.DropBulk(ctx); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := tg.Pool.QueryRow(ctx, "SELECT name FROM tenants").Scan(&name); err != nil || name != "seeded demo" {
		t.Errorf("the seeded tenant is not back: %q, %v", name, err)
	}
	if err := tg.Pool.QueryRow(ctx, "SELECT n FROM tenant_count").Scan(&n); err != nil || n != 1 {
		t.Errorf("the materialized view shows %d tenants after the teardown, want 1: %v", n, err)
	}
	var saved bool
	if err := tg.Pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'tenantfuzz_saved')").Scan(&saved); err != nil || saved {
		t.Errorf("the saved rows' schema is left behind: %v", err)
	}
}

// TestLargeWorldCountsTimeouts: a policy that is slow per row (no index
// can serve it) times out as the tenant over a large world; such
// statements are counted as timed out (and discarded), not as checks, and
// are no finding.
func TestLargeWorldCountsTimeouts(t *testing.T) {
	ctx := context.Background()
	overlay := filepath.Join(t.TempDir(), "slow.sql")
	if err := os.WriteFile(overlay, []byte(`CREATE FUNCTION slow_false(uuid) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.003); RETURN false; END $$;
DROP POLICY tenant_isolation_policy ON documents;
CREATE POLICY tenant_isolation_policy ON documents
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid OR slow_false(tenant_id))
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := testenv.Target(t, overlay)
	opts := largeOpts
	opts.Checks, opts.Statements = 2, 1
	teardown, err := harness.LargeWorld.Prepare(ctx, tg, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer teardown(ctx)
	res := harness.LargeWorld.RunSubject(ctx, tg, harness.Subject{Name: "documents", Rel: tg.Catalog.Relation("documents")}, opts)
	if len(res.Findings) > 0 || res.TimedOut == 0 || res.Discarded < res.TimedOut {
		t.Errorf("findings=%d timed_out=%d discarded=%d statements=%d err=%v", len(res.Findings), res.TimedOut, res.Discarded, res.Statements, res.Err)
	}
}
