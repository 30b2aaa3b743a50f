package harness_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// crossRefFindings runs cross-reference on every subject and returns its
// findings, failing on errors and, when clean, on blind subjects.
func crossRefFindings(t *testing.T, tg *harness.Target, clean bool) []*harness.Finding {
	t.Helper()
	var out []*harness.Finding
	for _, res := range runAll(t, tg, harness.CrossReference, 20) {
		t.Logf("%s: verdict %s checks=%d reached=%d own=%d rejected=%d %s", res.Relation, res.Verdict, res.Checks, res.Reached, res.Own, res.Rejected, res.Reason)
		if clean && res.Verdict != harness.VerdictPass && res.Verdict != harness.VerdictNotApplicable {
			t.Errorf("%s: verdict %s (%s), want pass", res.Relation, res.Verdict, res.Reason)
		}
		out = append(out, res.Findings...)
	}
	return out
}

// TestCrossReferenceComposite: the reference schema's keys carry the
// tenant ((tenant_id, id)), so another tenant's key is refused; with
// ON DELETE CASCADE on such a key (fixtures/variants/fk_composite_cascade.sql)
// nothing changes. Both pass, reaching (A's key exists, B's own-key
// update succeeds).
func TestCrossReferenceComposite(t *testing.T) {
	for _, overlays := range [][]string{nil, {"variants/fk_composite_cascade.sql"}} {
		tg := testenv.Target(t, overlays...)
		for _, f := range crossRefFindings(t, tg, true) {
			t.Errorf("%v: unexpected finding %s\n%s", overlays, f, f.Script)
		}
		users := tg.Catalog.Relation("users")
		if ok, why := harness.CrossReference.AppliesTo(tg, harness.Subject{Name: "users", Rel: users}); ok || why == "" {
			t.Errorf("users (key to tenants by tenant_id alone): applies %v %q, want not applicable with a reason", ok, why)
		}
	}
}

// TestCrossReferenceSingleColumn: a key by id alone lets B point its row
// at A's; with CASCADE or SET NULL A's delete then changes B's rows.
func TestCrossReferenceSingleColumn(t *testing.T) {
	for _, c := range []struct{ overlay, relation, fk string }{
		{"mutants/fk_single_column_cascade.sql", "document_chunks", "document_chunks_document_id_fkey"},
		{"mutants/fk_single_column_set_null.sql", "documents", "documents_user_id_fkey"},
	} {
		tg := testenv.Target(t, c.overlay)
		fs := crossRefFindings(t, tg, false)
		if len(fs) == 0 {
			t.Errorf("%s: no finding", c.overlay)
			continue
		}
		f := fs[0]
		t.Logf("%s\n%s", f, f.Script)
		if f.Kind != harness.KindCrossTenantWrite || f.Relation != c.relation || f.Tenant == "" || f.OtherTenant == "" || f.Tenant == f.OtherTenant {
			t.Errorf("%s: finding %+v, want cross-tenant-write on %s between two tenants", c.overlay, f, c.relation)
		}
		if !strings.Contains(strings.Join(f.Evidence, "\n"), c.fk) || !strings.Contains(f.Script, "DELETE FROM") || !strings.Contains(f.Replay, "--property cross-reference") {
			t.Errorf("%s: evidence, script or replay lack the key or the owner's delete:\n%s\n%s", c.overlay, f.Evidence, f.Script)
		}
		psqlShowsCrossReference(t, tg, f, c.overlay == "mutants/fk_single_column_cascade.sql")
	}
}

// TestCrossReferenceNoAction: a key by id alone without an action lets B
// point its row at A's key (cross-tenant-reference, high), and A's delete
// is refused, so B's rows never change.
func TestCrossReferenceNoAction(t *testing.T) {
	overlay := filepath.Join(t.TempDir(), "fk_no_action.sql")
	sql := "ALTER TABLE document_chunks DROP CONSTRAINT document_chunks_tenant_id_document_id_fkey;\n" +
		"ALTER TABLE document_chunks ADD CONSTRAINT document_chunks_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id);\n"
	if err := os.WriteFile(overlay, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := testenv.Target(t, overlay)
	fs := crossRefFindings(t, tg, false)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want one on document_chunks", len(fs))
	}
	f := fs[0]
	t.Logf("%s\n%s", f, f.Script)
	if f.Kind != harness.KindCrossTenantReference || f.Severity != harness.SeverityHigh || f.Relation != "document_chunks" || f.Tenant == f.OtherTenant {
		t.Errorf("finding %+v, want a high cross-tenant-reference on document_chunks", f)
	}
	if !strings.Contains(f.Summary(), "reference a key of") || strings.Contains(f.Script, "DELETE FROM") {
		t.Errorf("summary or script: %s\n%s", f.Summary(), f.Script)
	}
}

// returnedOne is psql printing one row of RETURNING 1.
var returnedOne = regexp.MustCompile(`\?column\?\s*\n-+\n\s*1\n\(1 row\)`)

var rowID = regexp.MustCompile(`\(id = '([^']+)'\)`)

// psqlShowsCrossReference runs the finding's script in psql: B's update
// and A's delete each return their row as the application role, and,
// for a cascade, B's row is gone from B's rows read at the end.
func psqlShowsCrossReference(t *testing.T, tg *harness.Target, f *harness.Finding, cascade bool) {
	t.Helper()
	bin, err := pg.FindBinaries("")
	if err != nil {
		needtool.Missing(t, "no PostgreSQL binaries: %v", err)
	}
	path := filepath.Join(t.TempDir(), "repro.sql")
	if err := os.WriteFile(path, []byte(f.Script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-f", path, tg.DB.DSN).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s\nscript:\n%s", err, out, f.Script)
	}
	if n := len(returnedOne.FindAllString(string(out), -1)); n != 2 {
		t.Errorf("psql: B's update and A's delete did not both take effect:\n%s", out)
	}
	if m := rowID.FindStringSubmatch(f.Evidence[0]); cascade && strings.HasPrefix(f.Statement, "as ") && strings.Contains(f.Statement, ": UPDATE") && (m == nil || strings.Contains(string(out), m[1])) {
		t.Errorf("psql: B's row %v is still there after A's delete:\n%s", m, out)
	}
}
