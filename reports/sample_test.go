package reports

import (
	"errors"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// secretPassword stands for a DSN password: it must never appear in any
// format.
const secretPassword = "pw-Xq7!s3cret"

// sampleResults is a run of a few scenarios; with leak, documents leaks
// to read-isolation and the pool property, and a vector mode leaks too.
func sampleResults(leak bool) []*harness.Result {
	stats := func(checks, stmts, rows, reached int, kinds map[string]int, rels map[string]int) harness.Stats {
		return harness.Stats{Checks: checks, Statements: stmts, Rows: rows, Reached: reached, Rejected: 3, Discarded: 1, ByKind: kinds, ByRelation: rels}
	}
	sel := map[string]int{"select": 40, "select-join": 12, "select-aggregate": 5}
	out := []*harness.Result{
		{Property: "read-isolation", Relation: "tenants", Seed: 11, Stats: stats(30, 57, 60, 44, sel, map[string]int{"tenants": 57}), Seconds: 0.4},
		{Property: "read-isolation", Relation: "documents", Seed: 12, Stats: stats(30, 66, 50, 33, sel, map[string]int{"documents": 66}), Seconds: 0.5},
		{Property: "fail-closed", Relation: "documents", Seed: 13, Stats: stats(30, 124, 8, 49, sel, map[string]int{"documents": 124}), Seconds: 0.3},
		{Property: "write-isolation", Relation: "documents", Seed: 14, Stats: stats(30, 58, 6, 10, map[string]int{"update": 11, "update-move": 20, "insert-foreign": 2, "copy": 6}, map[string]int{"documents": 58}), Seconds: 0.6},
		{Property: "pool-isolation", Relation: "pool-1", Seed: 15, Stats: stats(30, 782, 400, 571, nil, nil), Seconds: 1.2},
		{Property: "plan-cache", Relation: "prepared statements", Seed: 16, Stats: stats(30, 90, 0, 25, nil, nil), Seconds: 0.2},
		{Property: vector.ReadIsolation.Name, Relation: "shared", Seed: 17, Stats: stats(30, 261, 60, 83, map[string]int{"upsert": 187, "query": 33, "fetch": 18}, nil), Seconds: 0.1},
	}
	if !leak {
		return out
	}
	out[1].Stats.Checks = 4
	out[1].Findings = []*harness.Finding{{
		Kind: harness.KindCrossTenantRead, Severity: harness.SeverityCritical, Property: "read-isolation", Relation: "documents",
		Tenant: "7e4a0000-0000-4000-8000-000000000001", TenantLabel: "T1", OtherTenant: "7e4a0000-0000-4000-8000-000000000002", OtherLabel: "T2",
		Context: "tenant", Statement: "SELECT * FROM documents a",
		Evidence: []string{"id=00000003-0002-4000-8000-000000000003, tenant_id=7e4a0000-0000-4000-8000-000000000002, title=[tf:2]…, content=NULL"},
		Seed:     13689922356770196253, Replay: "tenantfuzz replay --profile quick --overlay fixtures/mutants/rls_off.sql --property read-isolation --relation documents --seed 13689922356770196253",
		Script: "-- tenantfuzz reproduction\nBEGIN;\nINSERT INTO tenants (id, slug) VALUES ('7e4a0000-0000-4000-8000-000000000001', '[tf:1]#1');\nSET LOCAL ROLE app_user;\nSELECT set_config('app.tenant_id', '7e4a0000-0000-4000-8000-000000000001', true);\nSELECT * FROM documents a;\nROLLBACK;\n",
		Audit:  []string{"TFA001 table documents"},
	}}
	out[1].SecondsToFinding = 0.05
	out[4].Findings = []*harness.Finding{{
		Kind: harness.KindContextLeak, Severity: harness.SeverityCritical, Property: "pool-isolation", Relation: "documents",
		Tenant: "7e4a0000-0000-4000-8000-000000000004", TenantLabel: "T4", OtherLabel: "T2", OtherTenant: "7e4a0000-0000-4000-8000-000000000002",
		Statement: "request of T4 on a pooled connection after 2 earlier requests", Evidence: []string{"app.tenant_id=7e4a0000-0000-4000-8000-000000000002"},
		Seed: 99, Replay: "tenantfuzz replay --property pool-isolation --relation pool-1 --seed 99", Script: "-- two sessions\n",
	}}
	out[6].Findings = []*harness.Finding{{
		Kind: vector.KindVectorRead, Severity: harness.SeverityCritical, Property: vector.ReadIsolation.Name, Relation: "vector:shared",
		TenantLabel: "T1", OtherLabel: "T3", Statement: "query top_k=5 filter={}", Seed: 7, Replay: "tenantfuzz replay --property vector-read-isolation --relation shared --seed 7",
	}}
	out = append(out, &harness.Result{Property: "hostile-ids", Relation: "strategy sql", Seed: 18, Err: errors.New("context sql failed: connection reset"), Seconds: 0.1})
	return out
}

// sampleAudit is a static audit with one high result on documents.
func sampleAudit() *audit.Report {
	return &audit.Report{ServerVersionNum: 150018, AppRole: "app_user", TenantColumn: "tenant_id", ContextSetting: "app.tenant_id",
		Checks: []string{"TFA001", "TFA002", "TFA003"},
		Results: []audit.Result{{Check: "TFA001", Name: "rls-disabled", Title: "Tenant table without row-level security", Severity: harness.SeverityHigh, Leaks: []int{1},
			Object: "table documents", Relation: "documents", Message: "row-level security is disabled on documents", Fix: "ALTER TABLE documents ENABLE ROW LEVEL SECURITY",
			File: "/work/repo/fixtures/mutants/rls_off.sql", Line: 2}},
		Counts: audit.Counts{High: 1}}
}

// sampleMatrix is a kill matrix of three mutants, one survived.
func sampleMatrix() *Matrix {
	return &Matrix{Killed: 2, Total: 3, MedianSeconds: 0.4, Source: "mutants.json", SHA256: "ab12", Mutants: []mutant.Kill{
		{Mutant: mutant.Reference, Checks: 600, Seconds: 3},
		{Mutant: "rls-off", Leaks: []int{1}, Killed: true, AsExpected: true, Property: "read-isolation", Kind: "cross-tenant-read", Relation: "documents", Checks: 1, Seconds: 0.05, Replays: true},
		{Mutant: "owner-no-force", Leaks: []int{3}, Killed: true, AsExpected: true, Property: "read-isolation", Kind: "cross-tenant-read", Relation: "documents", Checks: 2, Seconds: 0.4, Replays: true},
		{Mutant: "like-prefix-policy", Leaks: []int{7}, Checks: 60, Seconds: 2.5},
	}}
}

// sampleReport builds a report without a database.
func sampleReport(leak bool) *Report {
	start := time.Date(2026, 11, 26, 14, 46, 24, 0, time.UTC)
	in := Input{Version: "0.1.0", Results: sampleResults(leak),
		Run: Run{Started: start, Finished: start.Add(30 * time.Second), Seconds: 30, Seed: 5, Profile: "quick", PostgresVersion: "15.18", Provider: "dsn",
			Command:  "tenantfuzz run --profile quick --seed 5 --dsn \"$TENANTFUZZ_DSN\"",
			Settings: &Settings{Checks: 30, Tenants: [2]int{2, 4}, Rows: 3, Statements: 4, BudgetSeconds: 120, ShrinkSeconds: 5, Labels: "!sql-access"}},
		Target: Target{Schema: "reference", SHA256: "79fd46633aeb70b263aa90d3567f72d9721576ae8c414e8be267996a219223f7", Overlays: []string{}, AppRole: "app_user", TenantColumn: "tenant_id",
			Context: "set_config", ContextSQL: "select set_config('app.tenant_id', $1, true)", Vector: "fake", VectorModes: []string{"shared"},
			Files: []SourceFile{{Name: "fixtures/schema/001_reference.sql", Role: "schema", SHA256: "bd9377ecba43e1c5cc64a1eb4b1b8e67d1c0b0ad4c33e0d8b4b3a4f3bbd7aa10", Bytes: 4200}}},
		SourceRoot: "/work/repo",
	}
	if leak {
		in.Audit = sampleAudit()
		in.Target.Overlays = []string{"fixtures/mutants/rls_off.sql"}
		in.Mutants = sampleMatrix()
	}
	r := Build(in)
	code := 0
	if leak {
		code = 1
	}
	r.SetExitCode(code)
	return r
}
