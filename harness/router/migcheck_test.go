package router_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

const (
	tenantA = "7e4a0000-0000-4000-8000-00000000000a"
	tenantB = "7e4a0000-0000-4000-8000-00000000000b"
)

// seedMigration loads tenant A (2 users, 3 documents, 4 chunks) and B
// (1 of each) into the shared database and empties dedicated-1.
func seedMigration(t *testing.T, env *router.Env) {
	t.Helper()
	ctx := context.Background()
	clear := "TRUNCATE tenants, users, documents, document_chunks CASCADE"
	if _, err := env.Dedicated[0].Target.Pool.Exec(ctx, clear); err != nil {
		t.Fatal(err)
	}
	sql := clear + `;
INSERT INTO tenants (id, name, slug, tier) VALUES
  ('` + tenantA + `', 'A', 'acme', 'shared'), ('` + tenantB + `', 'B', 'kite', 'shared');
INSERT INTO users (id, tenant_id, email) VALUES
  ('00000000-0000-4000-8000-0000000000a1', '` + tenantA + `', 'a1@a'),
  ('00000000-0000-4000-8000-0000000000a2', '` + tenantA + `', 'a2@a'),
  ('00000000-0000-4000-8000-0000000000b1', '` + tenantB + `', 'b1@b');
INSERT INTO documents (id, tenant_id, user_id, title, created_at) VALUES
  ('00000000-0000-4000-8000-00000000ad01', '` + tenantA + `', '00000000-0000-4000-8000-0000000000a1', 'one', '2024-02-29 12:00:00.123456+05'),
  ('00000000-0000-4000-8000-00000000ad02', '` + tenantA + `', NULL, 'two', now()),
  ('00000000-0000-4000-8000-00000000ad03', '` + tenantA + `', '00000000-0000-4000-8000-0000000000a2', 'three', now()),
  ('00000000-0000-4000-8000-00000000bd01', '` + tenantB + `', NULL, 'b', now());
INSERT INTO document_chunks (id, tenant_id, document_id, chunk_index, body, vector_id) VALUES
  ('00000000-0000-4000-8000-0000000ac001', '` + tenantA + `', '00000000-0000-4000-8000-00000000ad01', 0, 'x', 'v1'),
  ('00000000-0000-4000-8000-0000000ac002', '` + tenantA + `', '00000000-0000-4000-8000-00000000ad01', 1, 'y', NULL),
  ('00000000-0000-4000-8000-0000000ac003', '` + tenantA + `', '00000000-0000-4000-8000-00000000ad02', 0, 'z', 'v3'),
  ('00000000-0000-4000-8000-0000000ac004', '` + tenantA + `', '00000000-0000-4000-8000-00000000ad03', 0, 'w', ''),
  ('00000000-0000-4000-8000-0000000bc001', '` + tenantB + `', '00000000-0000-4000-8000-00000000bd01', 0, 'b', NULL);`
	if _, err := env.Shared.Target.Pool.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// migrate moves tenant A with the reference or the mutant's migration and
// checks it against the baseline taken before.
func migrate(t *testing.T, env *router.Env, mutant string) *router.MigrationReport {
	t.Helper()
	ctx := context.Background()
	seedMigration(t, env)
	cat := env.Shared.Target.Catalog
	base, err := router.TakeBaseline(ctx, env.Shared.Target.Pool, cat, tenantA)
	if err != nil {
		t.Fatal(err)
	}
	mig := &router.Migration{Source: env.Shared.Target.Pool, Target: env.Dedicated[0].Target.Pool, Catalog: cat, Tenant: tenantA}
	var steps []string
	mig.Hook = func(s string) { steps = append(steps, s) }
	if mutant != "" {
		router.ApplyMigrationMutant(router.MutantByName(mutant), mig)
	}
	if err := router.Migrate(ctx, mig); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	t.Logf("steps: %v", steps)
	rep, err := router.CheckMigration(ctx, env.Shared.Target.Pool, env.Dedicated[0].Target.Pool, cat, tenantA, router.CheckOptions{Baseline: base})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b)
	t.Log("\n" + b.String())
	return rep
}

func TestReferenceMigrationIsClean(t *testing.T) {
	env := testEnv(t)
	rep := migrate(t, env, "")
	if !rep.Clean() {
		t.Fatalf("findings: %v", rep.Findings)
	}
	want := map[string]int{"tenants": 1, "users": 2, "documents": 3, "document_chunks": 4}
	for _, tc := range rep.Tables {
		if tc.Target != want[tc.Table] || tc.Baseline != want[tc.Table] || tc.BaselineDigest != tc.TargetDigest && !tc.Directory {
			t.Errorf("%s: %+v, want %d rows with equal digests", tc.Table, tc, want[tc.Table])
		}
	}
	var tier string
	if err := env.Shared.Target.Pool.QueryRow(context.Background(), "SELECT tier FROM tenants WHERE id = $1", tenantA).Scan(&tier); err != nil || tier != router.TierDedicated {
		t.Errorf("directory tier = %q, %v; want dedicated", tier, err)
	}
	// A second migration of a dedicated tenant is refused.
	err := router.Migrate(context.Background(), &router.Migration{Source: env.Shared.Target.Pool, Target: env.Dedicated[0].Target.Pool, Catalog: env.Shared.Target.Catalog, Tenant: tenantA})
	if err == nil || !strings.Contains(err.Error(), "only shared tenants move") {
		t.Errorf("migrating a dedicated tenant: %v", err)
	}
}

func TestLossyMigrationIsReportedWithTablesAndCounts(t *testing.T) {
	rep := migrate(t, testEnv(t), "migration-forgets-chunks")
	if len(rep.Findings) != 1 {
		t.Fatalf("findings: %v", rep.Findings)
	}
	f := rep.Findings[0]
	if f.Kind != router.KindMigrationLoss || f.Relation != "document_chunks" || !strings.Contains(f.Evidence[0], "4 of the tenant's 4 rows are missing") {
		t.Errorf("finding: %s", router.Headline(f))
	}
}

func TestLeftoverMigrationIsReportedWithTablesAndCounts(t *testing.T) {
	env := testEnv(t)
	rep := migrate(t, env, "migration-copies-without-delete")
	got := map[string]string{}
	for _, f := range rep.Findings {
		if f.Kind != router.KindMigrationLeftover {
			t.Errorf("unexpected %s", router.Headline(f))
		}
		got[f.Relation] = f.Evidence[0]
	}
	want := map[string]string{
		"users":           "users: 2 rows of the tenant are still in the source",
		"documents":       "documents: 3 rows of the tenant are still in the source",
		"document_chunks": "document_chunks: 4 rows of the tenant are still in the source",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	// Without a baseline the same state is a clean copy.
	cat := env.Shared.Target.Catalog
	copyRep, err := router.CheckMigration(context.Background(), env.Shared.Target.Pool, env.Dedicated[0].Target.Pool, cat, tenantA, router.CheckOptions{})
	if err != nil || !copyRep.Clean() {
		t.Errorf("copy check: %v %v", err, copyRep.Findings)
	}
}

func TestForeignRowsInTheTargetAreMisplaced(t *testing.T) {
	env := testEnv(t)
	migrate(t, env, "")
	ctx := context.Background()
	for _, sql := range []string{
		"INSERT INTO tenants (id, name, slug) VALUES ($1, 'B', 'kite')",
		"INSERT INTO users (id, tenant_id, email) VALUES ('00000000-0000-4000-8000-0000000000b9', $1, 'x')",
	} {
		if _, err := env.Dedicated[0].Target.Pool.Exec(ctx, sql, tenantB); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := router.CheckMigration(ctx, env.Shared.Target.Pool, env.Dedicated[0].Target.Pool, env.Shared.Target.Catalog, tenantA, router.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []harness.Kind
	for _, f := range rep.Findings {
		kinds = append(kinds, f.Kind)
	}
	if len(kinds) != 2 || kinds[0] != router.KindTierMisplacement || kinds[1] != router.KindTierMisplacement {
		t.Errorf("findings: %v", kinds)
	}
}

// A migration check that stops while the migrating tenant's request waits
// (rapid panics out of the migration's hook while shrinking) ends that
// request before it returns: no session of it meets the next check's
// reload (which would otherwise block on it, or see its writes).
func TestStoppedMigrationCheckEndsItsWaitingRequest(t *testing.T) {
	env := testEnv(t)
	for seed := 1; seed <= 3; seed++ {
		open, err := router.StopMidMigration(context.Background(), env, seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) > 0 {
			t.Errorf("seed %d: sessions still in a transaction after the check: %v", seed, open)
		}
	}
}
