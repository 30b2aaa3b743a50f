package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// runAudit calls the audit command in process and returns its exit code
// and output; it skips where no PostgreSQL binaries are installed.
func runAudit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	if _, err := pg.FindBinaries(""); err != nil {
		needtool.Missing(t, "no PostgreSQL binaries: %v", err)
	}
	var out, errb bytes.Buffer
	code := run(append([]string{"audit"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func auditDefect(name string) string {
	return filepath.Join(testenv.Root(), "harness", "audit", "testdata", name)
}

// TestAuditReferencePasses: the reference schema audits clean: exit 0,
// every check ran, no result.
func TestAuditReferencePasses(t *testing.T) {
	t.Parallel()
	code, out, errs := runAudit(t)
	if code != exitOK || !strings.Contains(out, "0 results") || !strings.Contains(out, "RESULT: PASS") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if want := len(audit.Checks()); !strings.Contains(out, strconv.Itoa(want)+" checks") {
		t.Errorf("output does not say %d checks ran:\n%s", want, out)
	}
}

// TestAuditSupabase: --supabase applies the shim, so a Supabase schema
// (auth.uid(), the authenticated role) audits as authenticated, and
// audits clean: its tables belong to the platform's postgres role, which
// FORCE would not bind, so their unforced RLS is no result (TFA002 spares
// platform-owned tables with --supabase).
func TestAuditSupabase(t *testing.T) {
	t.Parallel()
	code, out, errs := runAudit(t, "--supabase", "--schema", testenv.Fixture("examples/supabase"), "--tenant-column", "account_id")
	if code != exitOK || !strings.Contains(out, "application role authenticated") || !strings.Contains(out, "0 results") || strings.Contains(out, "TFA002") || strings.Contains(out, "TFA051") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// TestAuditFailOn: a high result fails the default gate with exit 1 and
// is printed with its location and fix; a medium-only schema passes
// --fail-on high and fails --fail-on medium.
func TestAuditFailOn(t *testing.T) {
	t.Parallel()
	rlsOff := testenv.Fixture("mutants/rls_off.sql")
	code, out, errs := runAudit(t, "--overlay", rlsOff)
	if code != exitFindings {
		t.Fatalf("RLS off: exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{"HIGH   TFA001 rls-disabled: table documents", "at:  " + rlsOff + ":2", "fix: ALTER TABLE documents ENABLE ROW LEVEL SECURITY", "RESULT: FAIL"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	notForced := auditDefect("tfa002_rls_not_forced.sql")
	if code, out, _ := runAudit(t, "--overlay", notForced); code != exitOK {
		t.Errorf("medium result with --fail-on high: exit %d, want 0\n%s", code, out)
	}
	if code, out, _ := runAudit(t, "--overlay", notForced, "--fail-on", "medium"); code != exitFindings {
		t.Errorf("medium result with --fail-on medium: exit %d, want 1\n%s", code, out)
	}
}

// TestAuditJSON: --format json is the audit.Report, results located in
// the overlay that seeded them.
func TestAuditJSON(t *testing.T) {
	t.Parallel()
	overlay := auditDefect("tfa031_truncate.sql")
	code, out, errs := runAudit(t, "--overlay", overlay, "--format", "json")
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rep.Results) != 1 || rep.Results[0].Check != "TFA031" || rep.Results[0].File != overlay || rep.Results[0].Line != 2 || rep.Counts.High != 1 {
		t.Errorf("report: %+v", rep)
	}
}

// TestAuditSARIF: --format sarif --output writes a SARIF 2.1.0 log with a
// rule per check and the result at its file and line; stdout says where.
func TestAuditSARIF(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.sarif")
	overlay := auditDefect("tfa024_view_definer.sql")
	code, out, errs := runAudit(t, "--overlay", overlay, "--format", "sarif", "--output", path)
	if code != exitFindings || !strings.Contains(out, "written to "+path) {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Tool.Driver.Rules) != len(audit.Checks()) {
		t.Fatalf("log: version %q, %d runs", doc.Version, len(doc.Runs))
	}
	res := doc.Runs[0].Results
	if len(res) != 1 || res[0].RuleID != "TFA024" || res[0].Level != "error" ||
		res[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "file://"+filepath.ToSlash(overlay) ||
		res[0].Locations[0].PhysicalLocation.Region.StartLine != 3 {
		t.Errorf("results: %+v", res)
	}
}

// TestAuditSeedGuideSchema: --schema with the founding guide's SQL fails
// on its session-level set_config and lists its other defects.
func TestAuditSeedGuideSchema(t *testing.T) {
	t.Parallel()
	code, out, _ := runAudit(t, "--schema", auditDefect("seed_guide.sql"), "--fail-on", "low")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"TFA002 rls-not-forced", "TFA020 current-setting-without-missing-ok", "TFA021 session-level-set-config"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestAuditUsageErrors: bad flags and bad targets exit 2 with a message
// that names the fix; --help exits 0.
func TestAuditUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml"}, "unknown --format"},
		{[]string{"--fail-on", "critical"}, "pass --fail-on high, medium or low"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--overlay", "/nonexistent/x.sql"}, "check the --overlay path"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"--tenant-column", "org_id"}, "no table has the tenant column"},
	} {
		code, _, errs := runAudit(t, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("audit %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
	if code, _, errs := runAudit(t, "--help"); code != exitOK || !strings.Contains(errs, "--fail-on") {
		t.Errorf("--help: exit %d\n%s", code, errs)
	}
}
