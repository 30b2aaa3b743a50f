package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// export runs `tenantfuzz export pgtap` with args in dir.
func export(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"export", "pgtap"}, args...)...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestExportPgTAP: a run with a seeded defect exports one file per
// finding, named <relation>_<kind>_<n>.sql, byte-identical on re-export,
// with the replay command in the header; --regression refuses a report
// with findings. (harness/pgtap's tests run the files under pg_prove.)
func TestExportPgTAP(t *testing.T) {
	r := cli(t, nil, "run", "--seed", "5", "--checks", "8", "--overlay", testenv.Fixture("mutants/rls_off.sql"),
		"--property", "read-isolation", "--relation", "documents", "--vector", "none")
	if r.code != 1 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	report := filepath.Join(r.dir, "report.json")
	var outs [2]string
	for i := range outs {
		outs[i] = filepath.Join(r.dir, "pgtap"+string(rune('a'+i)))
		if code, _, stderr := export(t, r.dir, "--from", report, "--out", outs[i]); code != 0 {
			t.Fatalf("export: exit %d: %s", code, stderr)
		}
	}
	files, _ := filepath.Glob(filepath.Join(outs[0], "*.sql"))
	if len(files) == 0 {
		t.Fatal("no files exported")
	}
	for _, f := range files {
		if !regexp.MustCompile(`^documents_[a-z_]+_[0-9]+\.sql$`).MatchString(filepath.Base(f)) {
			t.Errorf("file name %s", filepath.Base(f))
		}
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(outs[1], filepath.Base(f)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs on re-export", filepath.Base(f))
		}
		if !strings.Contains(string(a), "-- Replay:   tenantfuzz replay --report "+report+" --finding ") || !strings.Contains(string(a), "SELECT plan(") {
			t.Errorf("%s lacks its header or plan:\n%.600s", filepath.Base(f), a)
		}
	}
	if code, _, stderr := export(t, r.dir, "--from", report, "--out", filepath.Join(r.dir, "reg"), "--regression"); code != 2 || !strings.Contains(stderr, "findings") {
		t.Errorf("--regression on a report with findings: exit %d: %s", code, stderr)
	}
}

// TestExportPgTAPRegression: from a clean run, --regression writes one
// suite per tenant table (run under pg_prove by harness/pgtap's tests).
func TestExportPgTAPRegression(t *testing.T) {
	r := cli(t, nil, "run", "--seed", "5", "--checks", "3", "--property", "fail-closed", "--relation", "documents", "--vector", "none")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(r.dir, "reg")
	if code, _, stderr := export(t, r.dir, "--from", filepath.Join(r.dir, "report.json"), "--out", out, "--regression"); code != 0 {
		t.Fatalf("export --regression: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "documents_regression_1.sql")); err != nil {
		t.Error(err)
	}
}
