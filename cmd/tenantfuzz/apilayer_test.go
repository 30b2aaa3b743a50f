package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// TestAPIInGate: tenantfuzz run checks api-isolation on the reference
// service like any other property. Against a service mutant it exits 1
// and every report carries the finding: report.json (valid, the API
// layer's family), the curl script repro-1.sh (no token signed with the
// run's key), JUnit, SARIF, HTML and summary.md naming it, a replay line
// that names the mutant. --api=false leaves the property not applicable,
// with the reason.
func TestAPIInGate(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "run", "--seed", "5", "--checks", "30", "--quiet", "--level3=false", "--vector", "none",
		"--property", "api-isolation", "--api-mutant", "header-tenant")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep := readReport(t, r.dir)
	if len(rep.Findings) == 0 {
		t.Fatalf("no finding in report.json")
	}
	f := rep.Findings[0]
	if !strings.HasPrefix(string(f.Kind), "api-") || f.Family != "the API layer" || f.ScriptFile != "repro-1.sh" ||
		!strings.Contains(f.Replay, "--api-mutant header-tenant") || !strings.Contains(f.Replay, "--property api-isolation") {
		t.Errorf("finding: kind %s family %q script %q replay %q", f.Kind, f.Family, f.ScriptFile, f.Replay)
	}
	script, err := os.ReadFile(filepath.Join(r.dir, "repro-1.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "curl ") || strings.Contains(string(script), "Bearer ey") {
		t.Errorf("repro-1.sh is not a curl reproduction without signed tokens:\n%s", script)
	}
	files := map[string][]byte{}
	for _, name := range []string{"report.json", "junit.xml", "report.sarif", "report.html", "summary.md"} {
		b, err := os.ReadFile(filepath.Join(r.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
		if name != "report.json" && !strings.Contains(string(b), "repro-1.sh") {
			t.Errorf("%s does not name the curl script", name)
		}
	}
	if err := reportcheck.JSON(reports.JSONSchema, files["report.json"]); err != nil {
		t.Error(err)
	}
	if _, err := reportcheck.JUnit(files["junit.xml"]); err != nil {
		t.Error(err)
	}
	if _, err := reportcheck.SARIF(files["report.sarif"]); err != nil {
		t.Error(err)
	}
	if err := reportcheck.HTML(files["report.html"]); err != nil {
		t.Error(err)
	}

	off := cli(t, nil, "run", "--seed", "5", "--checks", "2", "--quiet", "--level3=false", "--vector", "none",
		"--property", "api-isolation", "--property", "hostile-ids", "--api=false")
	if off.code != 0 {
		t.Fatalf("--api=false: exit %d\n%s%s", off.code, off.stdout, off.stderr)
	}
	for _, s := range readReport(t, off.dir).Scenarios {
		if s.Property == "api-isolation" && (s.Verdict != "not applicable" || s.Reason != "--api=false") {
			t.Errorf("--api=false: %s verdict %s reason %q", s.Name, s.Verdict, s.Reason)
		}
	}
}
