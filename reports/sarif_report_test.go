package reports

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestReportSARIF: the run's SARIF holds the audit's rules and results
// and one rule per finding kind (id = kind), each finding a result with
// its level, replay in the message, a stable fingerprint, and a physical
// location: the overlay line the audit points at, or the first schema
// file for findings no file explains (vector stores).
func TestReportSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(true).WriteSARIF(&b); err != nil {
		t.Fatal(err)
	}
	doc, err := reportcheck.SARIF(b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	run := doc.Runs[0]
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	for _, want := range []string{"TFA001", "cross-tenant-read", "context-leak", "cross-tenant-vector-read", "side-channel"} {
		if !slices.Contains(ids, want) {
			t.Errorf("no rule %s among %v", want, ids)
		}
	}
	byRule := map[string]reportcheck.SARIFResult{}
	for _, r := range run.Results {
		byRule[r.RuleID] = r
	}
	read := byRule["cross-tenant-read"]
	loc := read.Locations[0].PhysicalLocation
	if read.Level != "error" || loc.ArtifactLocation.URI != "fixtures/mutants/rls_off.sql" || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" || loc.Region.StartLine != 2 {
		t.Errorf("cross-tenant-read result: level %s at %+v %+v", read.Level, loc.ArtifactLocation, loc.Region)
	}
	if !strings.Contains(read.Message.Text, "Replay: tenantfuzz replay") || read.PartialFingerprints["tenantfuzz/v1"] != "cross-tenant-read read-isolation documents" {
		t.Errorf("cross-tenant-read message %q fingerprint %v", read.Message.Text, read.PartialFingerprints)
	}
	vec := byRule["cross-tenant-vector-read"].Locations[0].PhysicalLocation
	if vec.ArtifactLocation.URI != "fixtures/schema/001_reference.sql" || vec.Region.StartLine != 1 {
		t.Errorf("vector finding placed at %+v %+v, want the first schema file, line 1", vec.ArtifactLocation, vec.Region)
	}
	if audit := byRule["TFA001"].Locations[0].PhysicalLocation; audit.ArtifactLocation.URI != "fixtures/mutants/rls_off.sql" {
		t.Errorf("audit result at %+v, want relative to the source root", audit.ArtifactLocation)
	}
}

// TestFindingsOnARealTarget: against the reference schema with RLS off on
// documents, a report knows the relations in scope, places a documents
// finding at the overlay line the audit names (family: configuration),
// a users finding at its CREATE POLICY (no audit result explains it), and
// a view-less schema has no objects that bypass RLS.
func TestFindingsOnARealTarget(t *testing.T) {
	tg := testenv.Target(t, "mutants/rls_off.sql")
	rep, err := audit.RunTarget(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	results := []*harness.Result{
		{Property: "read-isolation", Relation: "documents", Stats: harness.Stats{Checks: 1, Statements: 1, Reached: 1, ByRelation: map[string]int{"documents": 1}},
			Findings: []*harness.Finding{{Kind: harness.KindCrossTenantRead, Severity: harness.SeverityCritical, Property: "read-isolation", Relation: "documents"}}},
		{Property: "write-isolation", Relation: "users", Stats: harness.Stats{Checks: 1, Statements: 2, Reached: 1},
			Findings: []*harness.Finding{{Kind: harness.KindCrossTenantWrite, Severity: harness.SeverityCritical, Property: "write-isolation", Relation: "users"}}},
	}
	r := Build(Input{Version: "test", TG: tg, Results: results, Audit: rep, SourceRoot: testenv.Root(),
		Target: Target{Schema: "reference", SHA256: tg.Digest, Overlays: []string{"fixtures/mutants/rls_off.sql"}}})
	if len(r.Scope.Relations) < 4 || len(r.Target.Files) != 2 || r.Target.Files[1].Name != "fixtures/mutants/rls_off.sql" || r.Target.Files[1].Role != "overlay" {
		t.Fatalf("scope %+v files %+v", r.Scope.Relations, r.Target.Files)
	}
	for _, rel := range r.Scope.Relations {
		if rel.Name == "documents" && (rel.RLSEnabled || !slices.Contains(rel.TestedBy, "read-isolation") || rel.Statements != 1 || !slices.Contains(rel.Privileges, "SELECT")) {
			t.Errorf("documents in scope: %+v", rel)
		}
	}
	docs, users := r.Findings[0], r.Findings[1]
	if l := docs.Location; l == nil || l.File != "fixtures/mutants/rls_off.sql" || l.Line != 2 || !strings.HasPrefix(l.Basis, "TFA001") {
		t.Errorf("documents finding located at %+v, want the overlay's line 2 (TFA001)", l)
	}
	if docs.Family != "configuration and bypass" || !slices.Contains(docs.Leaks, 1) {
		t.Errorf("documents finding family %q leaks %v, want configuration and bypass (1)", docs.Family, docs.Leaks)
	}
	if l := users.Location; l == nil || l.File != "fixtures/schema/001_reference.sql" || l.Basis != "CREATE POLICY" || l.Line < 60 {
		t.Errorf("users finding located at %+v, want the reference schema's CREATE POLICY on users", l)
	}
	if users.Family != "policy logic" || !slices.Contains(users.Controls, "CC6.1") {
		t.Errorf("users finding family %q controls %v", users.Family, users.Controls)
	}
}
