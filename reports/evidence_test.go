package reports

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// TestEvidenceBundle: the bundle holds every format, the scripts, the
// JSON Schema and the SQL as tested; every file's digest is in
// manifest.json and in SHA256SUMS (which `sha256sum -c` would accept),
// and the formats in it validate.
func TestEvidenceBundle(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(true)
	att := SQLAttachments([]harness.SQLFile{{Name: "fixtures/schema/001_reference.sql", SQL: "CREATE TABLE t();"}},
		[]harness.SQLFile{{Name: "/abs/rls_off.sql", SQL: "ALTER TABLE documents DISABLE ROW LEVEL SECURITY;"}, {Name: "../../etc/evil.sql", SQL: "--"}})
	m, err := r.WriteEvidence(dir, att)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report.json", "junit.xml", "report.sarif", "report.html", "summary.md", "repro-1.sql", "repro-3.sql", "report.schema.json",
		"target/schema/01_001_reference.sql", "target/overlays/01_rls_off.sql", "target/overlays/02_evil.sql"}
	listed := map[string]string{}
	for _, f := range m.Files {
		listed[f.Path] = f.SHA256
	}
	for _, w := range want {
		if _, ok := listed[w]; !ok {
			t.Errorf("manifest lacks %s", w)
		}
	}
	sums, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	n := 0
	sc := bufio.NewScanner(sums)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		b, err := os.ReadFile(filepath.Join(dir, name))
		if !ok || err != nil {
			t.Fatalf("SHA256SUMS line %q: %v", sc.Text(), err)
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: digest mismatch", name)
		}
		n++
	}
	if n != len(m.Files)+1 {
		t.Errorf("SHA256SUMS has %d lines, want %d files and the manifest", n, len(m.Files))
	}
	js, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := reportcheck.JSON(JSONSchema, js); err != nil {
		t.Error(err)
	}
	var mf Manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mf); err != nil || mf.ReportSHA256 != listed["report.json"] || mf.Verdict != "LEAK" {
		t.Errorf("manifest.json: %v %+v", err, mf)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), mf.ReportSHA256) {
		t.Error("report.html does not carry report.json's sha256")
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "etc")); err == nil {
		t.Error("an attachment escaped the bundle")
	}
}

// TestStaleScriptsRemoved: a clean run in a directory holding an earlier
// run's repro scripts removes them, and nothing else.
func TestStaleScriptsRemoved(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"repro-1.sql", "repro-7.sql", "repro-x.sql", "notes.sql"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("--"), 0o644); err != nil {
			t.Fatal(err) // the absence checked below must be the run's doing
		}
	}
	if _, err := sampleReport(false).WriteAll(dir, []string{"md"}); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"repro-1.sql": false, "repro-7.sql": false, "repro-x.sql": true, "notes.sql": true, "summary.md": true} {
		if _, err := os.Stat(filepath.Join(dir, n)); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", n, err == nil, want)
		}
	}
}
