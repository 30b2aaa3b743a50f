package main_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// The secrets of TestReportFormatsAndSecrets: neither may reach any file
// or output.
const (
	dsnPassword = "Pw-9Zr!x7-not-for-reports"
	pineconeKey = "pcsk-test-key-not-for-reports"
	pgPassword  = "pgpw-test-not-for-reports"
	// bigSeed is above 2^53: a float64 anywhere on the way would round it.
	bigSeed = 4864488554231604177
)

// TestReportFormatsAndSecrets runs the gate with findings against an
// existing server through a DSN that carries a password, with a Pinecone
// key in the environment and an evidence bundle. Every format is written
// and validates (JSON Schema, JUnit, SARIF, self-contained HTML);
// `tenantfuzz report` renders each one again byte for byte from
// report.json, and with mutants.json beside it the page gains the kill
// matrix; the bundle's digests check; no file and no output holds the
// password, $PGPASSWORD or the key; database values in the evidence are
// redacted; and with those secrets redacted every seed in every format
// (a seed above 2^53) is the run's exact seed, a scenario's derived seed or
// a finding's seed as its replay line gives it.
func TestReportFormatsAndSecrets(t *testing.T) {
	t.Parallel()
	db := testenv.Database(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.AdminDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "CREATE ROLE tf_secret_admin LOGIN SUPERUSER PASSWORD '"+dsnPassword+"'")
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dsn := strings.Replace(db.AdminDSN("postgres"), "user=postgres", "user=tf_secret_admin", 1) + " password='" + dsnPassword + "'"
	evidence := filepath.Join(t.TempDir(), "evidence")
	profiles := filepath.Join(t.TempDir(), "profiles.yml")
	// Every property, small worlds and a short shrink: the findings' count,
	// not their minimality, matters here.
	os.WriteFile(profiles, []byte("profiles:\n  small:\n    labels: \"!sql-access\"\n    checks: 5\n    tenants: [2, 3]\n    rows: 2\n    statements: 3\n    budget: 2m\n    shrink: 500ms\n"), 0o644)
	r := cli(t, []string{"PINECONE_API_KEY=" + pineconeKey, "PGPASSWORD=" + pgPassword}, "run", "--profiles", profiles, "--profile", "small", "--seed", strconv.FormatUint(bigSeed, 10), "--dsn", dsn,
		"--overlay", testenv.Fixture("mutants/rls_off.sql"), "--evidence", evidence)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, dsnPassword) || strings.Contains(out, pineconeKey) || strings.Contains(out, pgPassword) {
			t.Errorf("a secret was printed:\n%s", out)
		}
	}
	for _, dir := range []string{r.dir, evidence} {
		filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v (an unread file cannot be cleared of secrets)", path, err)
			}
			if strings.Contains(string(b), dsnPassword) || strings.Contains(string(b), pineconeKey) || strings.Contains(string(b), pgPassword) {
				t.Errorf("%s holds a secret", path)
			}
			return nil
		})
	}

	files := map[string][]byte{}
	for _, f := range reports.Formats {
		b, err := os.ReadFile(filepath.Join(r.dir, f.File))
		if err != nil {
			t.Fatalf("the run wrote no %s: %v", f.File, err)
		}
		files[f.Name] = b
	}
	if err := reportcheck.JSON(reports.JSONSchema, files["json"]); err != nil {
		t.Error(err)
	}
	if _, err := reportcheck.JUnit(files["junit"]); err != nil {
		t.Error(err)
	}
	if _, err := reportcheck.SARIF(files["sarif"]); err != nil {
		t.Error(err)
	}
	if err := reportcheck.HTML(files["html"]); err != nil {
		t.Error(err)
	}
	rep := readReport(t, r.dir)
	if len(rep.Findings) == 0 || rep.Run.ShowValues || rep.Run.Provider != "dsn" || !strings.Contains(rep.Run.Command, `--dsn "$TENANTFUZZ_DSN"`) {
		t.Errorf("report: %d findings, show_values %v, provider %s, command %q", len(rep.Findings), rep.Run.ShowValues, rep.Run.Provider, rep.Run.Command)
	}
	checkRedacted(t, rep)
	checkSeeds(t, bigSeed, rep, files, r.stdout, r.dir)
	// DSN mode ran on per-run copies of the roles (app_user_<hex>), gone
	// now: the scripts name the schema's own (the copies only in the
	// comment that maps them).
	scripts, _ := filepath.Glob(filepath.Join(r.dir, "repro-*.sql"))
	for _, p := range scripts {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "-- Roles:") && strings.Contains(line, rep.Target.AppRole) {
				t.Errorf("%s names the run's copy %s of app_user: %s", filepath.Base(p), rep.Target.AppRole, line)
			}
		}
	}
	if !strings.Contains(html.UnescapeString(string(files["html"])), rep.Findings[0].Script) {
		t.Error("report.html lacks the first finding's script")
	}

	for _, f := range reports.Formats {
		again := tf(t, "report", "--from", filepath.Join(r.dir, "report.json"), "--format", f.Name)
		if again.code != 0 || again.stdout != string(files[f.Name]) {
			t.Errorf("report --format %s: exit %d, output differs from the run's %s\n%s", f.Name, again.code, f.File, again.stderr)
		}
	}
	checkBundle(t, evidence, files["json"])

	mutants := cli(t, nil, "mutants", "--only", "rls-off", "--checks", "20")
	if mutants.code != 0 {
		t.Fatalf("mutants --only rls-off: exit %d\n%s\n%s", mutants.code, mutants.stdout, mutants.stderr)
	}
	matrix := filepath.Join(mutants.dir, "mutants.json")
	page := tf(t, "report", "--from", filepath.Join(r.dir, "report.json"), "--mutants", matrix)
	if page.code != 0 || !strings.Contains(page.stdout, "Kill matrix") || !strings.Contains(page.stdout, "rls-off") {
		t.Errorf("report --mutants: exit %d, no kill matrix\n%s", page.code, page.stderr)
	}
}

// checkRedacted: without --show-values, text columns in the evidence are
// NULL or cut to their canary marker ("[tf:2]…", "…").
func checkRedacted(t *testing.T, rep *reports.Report) {
	t.Helper()
	text := regexp.MustCompile(`\b(title|content|name|slug|plan|email|body|doc_type)=([^,]*)`)
	seen := 0
	for _, f := range rep.Findings {
		for _, e := range f.Evidence {
			for _, m := range text.FindAllStringSubmatch(e, -1) {
				seen++
				if v := m[2]; v != "NULL" && !strings.HasSuffix(v, "…") {
					t.Errorf("finding %d shows a database value: %s", f.ID, m[0])
				}
			}
		}
	}
	if seen == 0 {
		t.Log("no text column in the evidence to check")
	}
}

// seedText finds seeds in any format: "seed 12", "seed=12", "--seed 12",
// `"seed": 12`, "seed <b>12</b>"; the value as printed, float or not.
var seedText = regexp.MustCompile(`(?i)seed["=:]*\s*(?:<b>)?\s*(-?[0-9][0-9.eE+]*)`)

// checkSeeds: report.json's run seed is seed, each scenario's is derived
// from it (harness.PropertySeed), each finding's equals its replay line's;
// every seed printed in every format, the summary and the repro scripts
// is one of those, digit for digit.
func checkSeeds(t *testing.T, seed uint64, rep *reports.Report, files map[string][]byte, summary, dir string) {
	t.Helper()
	if rep.Run.Seed != seed {
		t.Errorf("report.json run seed %d, want %d", rep.Run.Seed, seed)
	}
	known := map[string]bool{strconv.FormatUint(seed, 10): true}
	finding := func(what string, seed uint64, replay string) {
		if !strings.HasSuffix(replay, " --seed "+strconv.FormatUint(seed, 10)) {
			t.Errorf("%s: seed %d, replay line %q", what, seed, replay)
		}
		known[strconv.FormatUint(seed, 10)] = true
	}
	for _, s := range rep.Scenarios {
		if s.Seed == 0 && s.Verdict == "not applicable" {
			known["0"] = true // nothing ran, no seed
			continue
		}
		if want := harness.PropertySeed(seed, s.Property, s.Relation); s.Seed != want {
			t.Errorf("%s: seed %d, want %d derived from the run's", s.Name, s.Seed, want)
		}
		known[strconv.FormatUint(s.Seed, 10)] = true
		for _, f := range s.Findings {
			finding(s.Name+"'s finding", f.Seed, f.Replay)
		}
	}
	for _, f := range rep.Findings {
		finding(fmt.Sprintf("finding %d", f.ID), f.Seed, f.Replay)
		for _, a := range f.Also { // sightings: their seed is their replay line's
			_, s, _ := strings.Cut(a.Replay, " --seed ")
			known[s] = true
		}
	}
	texts := map[string]string{"summary": summary}
	for name, b := range files {
		texts[name] = string(b)
	}
	scripts, _ := filepath.Glob(filepath.Join(dir, "repro-*.sql"))
	for _, p := range scripts {
		b, _ := os.ReadFile(p)
		texts[filepath.Base(p)] = string(b)
	}
	for name, text := range texts {
		n := 0
		for _, m := range seedText.FindAllStringSubmatch(text, -1) {
			n++
			if !known[m[1]] {
				t.Errorf("%s prints seed %s, which is no seed of the run", name, m[1])
			}
		}
		if n == 0 && !strings.HasPrefix(name, "repro-") {
			t.Errorf("%s prints no seed", name)
		}
	}
}

// checkBundle: the evidence bundle holds the formats, the overlay as
// tested and report.json as written, and SHA256SUMS matches every file.
func checkBundle(t *testing.T, dir string, reportJSON []byte) {
	t.Helper()
	for _, name := range []string{"report.html", "report.sarif", "junit.xml", "summary.md", "report.schema.json", "manifest.json", "target/overlays/01_rls_off.sql", "target/schema/01_001_reference.sql"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("evidence bundle lacks %s", name)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "report.json")); string(b) != string(reportJSON) {
		t.Error("the bundle's report.json differs from the report directory's")
	}
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		sum, name, _ := strings.Cut(sc.Text(), "  ")
		b, err := os.ReadFile(filepath.Join(dir, name))
		got := sha256.Sum256(b)
		if err != nil || hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS: %s does not match (%v)", name, err)
		}
		n++
	}
	if n < 10 {
		t.Errorf("SHA256SUMS lists %d files", n)
	}
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "-c", "--quiet", "SHA256SUMS")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, out)
		}
	}
}

// TestReportCommandUsage: report needs --from and a known format, and
// prints the JSON Schema without one.
func TestReportCommandUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "--from is required"},
		{[]string{"report", "--from", "/nonexistent/report.json"}, "check the --from path"},
		{[]string{"report", "--from", "x", "--format", "pdf"}, ""},
	} {
		r := tf(t, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	if r := tf(t, "report", "--format", "schema"); r.code != 0 || !strings.Contains(r.stdout, `"$schema": "https://json-schema.org/draft/2020-12/schema"`) {
		t.Errorf("report --format schema: exit %d\n%s", r.code, r.stdout)
	}
}

// tf runs the binary with exactly args (no --report-dir).
func tf(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
