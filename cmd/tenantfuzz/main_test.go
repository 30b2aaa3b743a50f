package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tenantfuzz-cli-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tenantfuzz")
	build := exec.Command("go", "build", "-o", binary, ".") // subprocess; in-process tests run with -race
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build tenantfuzz: " + err.Error())
	}
	code := m.Run()
	pg.CleanupAll()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
	dir            string // the report dir
}

// cli runs the binary with args (a --report-dir in a temp dir is added).
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(binary, append(args, "--report-dir", dir)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return runResult(t, cmd, dir)
}

// runResult runs cmd and returns its exit code and output; dir is the
// result's report dir.
func runResult(t *testing.T, cmd *exec.Cmd, dir string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String(), dir}
}

func readReport(t *testing.T, dir string) *reports.Report {
	t.Helper()
	r, err := reports.Load(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCleanRunPasses: the reference schema gives exit 0, zero findings and
// non-zero, conclusive checks for both properties on every relation; the
// JUnit file parses with one testcase per spec.
func TestCleanRunPasses(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "run", "--seed", "11", "--checks", "12", "--budget", "20m") // counts, not speed
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := readReport(t, r.dir)
	if rep.SchemaVersion != reports.SchemaVersion || rep.Run.Seed != 11 || rep.Target.SHA256 == "" || len(rep.Findings) != 0 {
		t.Errorf("report header: %+v %+v", rep.Run, rep.Target)
	}
	seen := map[string]bool{}
	na := 0
	for _, s := range rep.Scenarios {
		seen[s.Name] = true
		if s.Verdict == "not applicable" {
			na++
			if s.Reason == "" || s.Checks != 0 {
				t.Errorf("%s: not applicable, reason %q, checks %d", s.Name, s.Reason, s.Checks)
			}
			continue
		}
		if s.Checks != 12 || s.Reached == 0 || !s.Passed || s.Verdict != "pass" {
			t.Errorf("%s: verdict %s checks=%d reached=%d own=%d passed=%v", s.Name, s.Verdict, s.Checks, s.Reached, s.Own, s.Passed)
		}
	}
	for _, p := range []string{"read-isolation", "fail-closed"} {
		for _, rel := range []string{"tenants", "users", "documents", "document_chunks"} {
			if !seen[p+" "+rel] {
				t.Errorf("no scenario %s %s", p, rel)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	n, skipped := 0, 0
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			if c.Skipped != nil {
				skipped++ // not applicable, with the reason
			}
			n++
			if strings.Contains(c.Name, "[") || strings.Contains(c.Name, "11") {
				t.Errorf("junit name %q carries labels or the seed", c.Name)
			}
		}
	}
	if n != len(rep.Scenarios) || skipped != na {
		t.Errorf("junit has %d testcases (%d skipped), report %d scenarios (%d not applicable)", n, skipped, len(rep.Scenarios), na)
	}
	if !strings.Contains(r.stdout, "RESULT: PASS") {
		t.Errorf("summary lacks RESULT: PASS:\n%s", r.stdout)
	}
}

// TestBrokenSchemaIsCaughtAndReplays: each overlay makes the gate exit 1
// with a finding naming documents and two different tenants (rls-bypassed
// for owner_no_force: app_user owns documents); the printed
// replay command reproduces it (exit 1 again).
func TestBrokenSchemaIsCaughtAndReplays(t *testing.T) {
	for _, overlay := range []string{"mutants/rls_off.sql", "mutants/owner_no_force.sql"} {
		t.Run(filepath.Base(overlay), func(t *testing.T) {
			t.Parallel()
			// read-isolation only: the kill matrix runs every property on
			// these defects; here the gate's exit code and replay lines.
			r := cli(t, nil, "run", "--seed", "5", "--checks", "20", "--property", "read-isolation", "--overlay", testenv.Fixture(overlay))
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			rep := readReport(t, r.dir)
			var f *struct{ replay string }
			for _, x := range rep.Findings {
				if x.Relation == "documents" && x.Tenant != "" && x.OtherTenant != "" && x.Tenant != x.OtherTenant && (x.Kind == "cross-tenant-read" || x.Kind == "differential-read" || x.Kind == "rls-bypassed") {
					f = &struct{ replay string }{x.Replay}
					break
				}
			}
			if f == nil {
				t.Fatalf("no cross-tenant finding on documents naming two tenants: %+v", rep.Findings)
			}
			args := strings.Fields(strings.TrimPrefix(f.replay, "tenantfuzz "))
			again := cli(t, nil, args...)
			if again.code != 1 || !strings.Contains(again.stdout, "documents") {
				t.Fatalf("replay %q: exit %d, want 1\n%s\n%s", f.replay, again.code, again.stdout, again.stderr)
			}
			if rep := readReport(t, again.dir); rep.Totals.Checks != 1 {
				t.Errorf("replay ran %d checks, want 1", rep.Totals.Checks)
			}
			fromReport := cli(t, nil, "replay", "--report", filepath.Join(r.dir, "report.json"), "--finding", "1")
			if fromReport.code != 1 {
				t.Errorf("replay --report: exit %d, want 1\n%s\n%s", fromReport.code, fromReport.stdout, fromReport.stderr)
			}
		})
	}
}

// TestLargeWorldGate: the gate runs the large-world property on a world
// sized by flags, reports the world it loaded, finds the lossy-key defect
// (which small worlds cannot see) with a psql script holding both tenants'
// rows, and the printed replay line loads the same world and reproduces it.
func TestLargeWorldGate(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "run", "--seed", "4", "--property", "large-world", "--large-tenants", "1200", "--large-rows", "3", "--large-checks", "15",
		"--overlay", testenv.Fixture("mutants/lossy_tenant_key.sql"))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := readReport(t, r.dir)
	l := rep.Run.Settings.LargeWorld
	if l == nil || l.Tenants != 1200 || l.RowsPerTenant != 3 || l.Checks != 15 || l.RowsLoaded != 1200+3*1200*3 || l.LoadSeconds <= 0 {
		t.Errorf("report settings.large_world = %+v", l)
	}
	if !strings.Contains(r.stdout, "large world: 1200 tenants") {
		t.Errorf("the summary does not show the large world:\n%s", r.stdout)
	}
	if len(rep.Findings) == 0 || rep.Findings[0].Relation != "documents" {
		t.Fatalf("lossy key not found on documents: %+v", rep.Findings)
	}
	f := rep.Findings[0]
	if !strings.Contains(f.Replay, "--large-tenants 1200 --large-rows 3") {
		t.Errorf("the replay line does not size the world: %s", f.Replay)
	}
	if !strings.Contains(f.Script, f.Tenant) || !strings.Contains(f.Script, f.OtherTenant) {
		t.Errorf("the script does not insert both tenants:\n%s", f.Script)
	}
	again := cli(t, nil, strings.Fields(strings.TrimPrefix(f.Replay, "tenantfuzz "))...)
	if again.code != 1 {
		t.Fatalf("replay %q: exit %d, want 1\n%s\n%s", f.Replay, again.code, again.stdout, again.stderr)
	}
}

// TestBadInput: usage and setup errors exit 2 with a message that names
// the problem and the next step.
func TestBadInput(t *testing.T) {
	t.Parallel()
	badSQL := filepath.Join(t.TempDir(), "bad.sql")
	os.WriteFile(badSQL, []byte("ALTER TABLE documents ENABLE ROW LEVEL SECURITY;\nALTER TABLE nosuch DISABLE ROW LEVEL SECURITY;\n"), 0o644)
	cases := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"no command", nil, nil, []string{"Usage"}},
		{"unknown command", nil, []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"unknown flag", nil, []string{"run", "--nope"}, []string{"flag provided but not defined: -nope", "see tenantfuzz run --help"}},
		{"missing overlay", nil, []string{"run", "--overlay", "/nonexistent.sql"}, []string{"/nonexistent.sql", "--overlay"}},
		{"bad overlay sql", nil, []string{"run", "--overlay", badSQL}, []string{"bad.sql near line 2", "nosuch", "42P01"}},
		{"unknown profile", nil, []string{"run", "--profile", "weekly"}, []string{`unknown profile "weekly"`, "nightly, pr, quick"}},
		{"bad seed", nil, []string{"run", "--seed", "x"}, []string{"seed must be a positive integer"}},
		{"replay without seed", nil, []string{"replay", "--property", "fail-closed"}, []string{"--seed are required"}},
		{"unknown property", nil, []string{"run", "--property", "nope"}, []string{`unknown property "nope"`}},
		{"no binaries", []string{"TENANTFUZZ_PG_BIN=/nonexistent/bin", "PATH=/usr/bin:/bin"}, []string{"run"}, []string{"install", "--dsn"}},
		{"no tenant column", nil, []string{"run", "--tenant-column", "org_id"}, []string{`tenant column "org_id"`, "--tenant-column"}},
		{"context sql without $1", nil, []string{"run", "--context-sql", "select 1"}, []string{"$1"}},
		{"negative budget", nil, []string{"run", "--budget", "-5m"}, []string{"--budget must be a positive duration"}},
		{"one large tenant", nil, []string{"run", "--large-tenants", "1"}, []string{"--large-tenants must be 0 (off) or at least 2"}},
		{"large world off", nil, []string{"run", "--property", "large-world"}, []string{"--large-tenants N"}},
		{"unreachable dsn", nil, []string{"run", "--dsn", "postgres://u:hunter2@127.0.0.1:1/db"}, []string{"127.0.0.1"}},
		{"zero checks", nil, []string{"run", "--checks", "0"}, []string{"--checks must be between 1 and 1000000, got 0"}},
		{"too many checks", nil, []string{"run", "--checks", "1000001"}, []string{"--checks must be between 1 and 1000000"}},
		{"seed 0", nil, []string{"run", "--seed", "0"}, []string{"got 0", "no replay could reproduce", "see tenantfuzz run --help"}},
		{"unwritable evidence dir", nil, []string{"run", "--evidence", filepath.Join(badSQL, "x")}, []string{"--evidence", "cannot be created"}},
		{"context sql syntax", nil, []string{"run", "--context-sql", "selec set_config('app.tenant_id', $1, true)"}, []string{"--context-sql does not run as the application role app_user", "42601"}},
		{"unknown relation", nil, []string{"run", "--relation", "nope"}, []string{`--relation "nope" matches no subject`, "documents", "pool-1"}},
	}
	for _, c := range cases {
		r := cli(t, c.env, c.args...)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s\n%s", c.name, r.code, r.stdout, r.stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, w, r.stderr)
			}
		}
		if strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Errorf("%s: a password was printed", c.name)
		}
		if c.args != nil && strings.Contains(r.stderr, "Flags:") {
			t.Errorf("%s: the usage error prints the flags:\n%s", c.name, r.stderr)
		}
		if strings.Contains(r.stderr, "see tenantfuzz run --help") && strings.Count(r.stderr, "\n") != 2 {
			t.Errorf("%s: more than its line and a pointer to --help:\n%s", c.name, r.stderr)
		}
	}
	// --report-dir is checked before the gate (cli sets its own, so run
	// the binary directly).
	if r := tf(t, "run", "--report-dir", filepath.Join(badSQL, "reports")); r.code != 2 || !strings.Contains(r.stderr, "--report-dir") || !strings.Contains(r.stderr, "cannot be created") {
		t.Errorf("unwritable --report-dir: exit %d\n%s", r.code, r.stderr)
	}
	if r := tf(t, "run", "--help"); r.code != 0 || !strings.Contains(r.stderr, "--checks") && !strings.Contains(r.stderr, "-checks") {
		t.Errorf("run --help: exit %d, no flag list\n%s", r.code, r.stderr)
	}
	if r := tf(t, "replay", "--help"); !strings.Contains(r.stderr, "-report") || !strings.Contains(r.stderr, "-finding") {
		t.Errorf("replay --help does not list --report and --finding:\n%s", r.stderr)
	}
}

// TestInterruptCleansUp: Ctrl-C in the middle of a long run leaves no
// server process and no instance directory behind, exits 130, keeps the
// complete report already in the report directory and writes an
// INTERRUPTED one beside it (interrupted/): exit code 130 recorded, the
// properties not run listed as interrupted, no control pass.
func TestInterruptCleansUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	previous := []byte(`{"schema_version": 2, "run": {"seed": 1, "exit_code": 0}, "totals": {"verdict": "PASS"}}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, "report.json"), previous, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", "--profile", "nightly", "--report-dir", dir)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "tenantfuzz run:") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the run never started:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // inside the specs
	dirs := instanceDirs(cmd.Process.Pid)
	if len(dirs) == 0 {
		t.Fatalf("no instance directory owned by pid %d", cmd.Process.Pid)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the run did not stop within 30s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("interrupted run exited %d, want 130\n%s", code, out.String())
	}
	checkInterrupted(t, dir, previous, out.String())
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("instance directory %s remains", d)
		}
		if pids := serversIn(d); len(pids) > 0 {
			t.Errorf("postgres processes %v still run in %s", pids, d)
		}
	}
}

// checkInterrupted: the previous report is intact, the interrupted one
// validates and says INTERRUPTED everywhere it matters.
func checkInterrupted(t *testing.T, dir string, previous []byte, output string) {
	t.Helper()
	if b, _ := os.ReadFile(filepath.Join(dir, "report.json")); !bytes.Equal(b, previous) {
		t.Errorf("the interrupted run replaced the complete report in %s", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, "interrupted", "report.json"))
	if err != nil {
		t.Fatalf("no interrupted report beside the complete one: %v\n%s", err, output)
	}
	if err := reportcheck.JSON(reports.JSONSchema, b); err != nil {
		t.Error(err)
	}
	rep := readReport(t, filepath.Join(dir, "interrupted"))
	if !rep.Run.Interrupted || rep.Run.Signal != "SIGINT" || rep.Run.ExitCode != 130 || rep.Totals.Verdict != "INTERRUPTED" {
		t.Errorf("interrupted report: interrupted %v, signal %q, exit code %d, verdict %s (%s)", rep.Run.Interrupted, rep.Run.Signal, rep.Run.ExitCode, rep.Totals.Verdict, rep.Totals.VerdictText)
	}
	for _, c := range rep.Controls {
		if c.Status == "pass" {
			t.Errorf("%s is pass on an interrupted run's partial evidence", c.ID)
		}
	}
	interrupted := 0
	for _, p := range rep.Scope.PropertiesSkipped {
		if strings.HasPrefix(p.Reason, "interrupted") {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Errorf("no property listed as not run for the interruption: %+v", rep.Scope.PropertiesSkipped)
	}
	if !strings.Contains(output, "RESULT: INTERRUPTED") {
		t.Errorf("the summary does not say INTERRUPTED:\n%s", output)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instanceDirs lists the embedded instance directories owned by pid.
func instanceDirs(pid int) []string {
	var out []string
	for _, base := range []string{"/dev/shm", os.TempDir()} {
		matches, _ := filepath.Glob(filepath.Join(base, "tenantfuzz-pg-*", "owner.pid"))
		for _, m := range matches {
			b, _ := os.ReadFile(m)
			if strings.TrimSpace(string(b)) == fmt.Sprint(pid) {
				out = append(out, filepath.Dir(m))
			}
		}
	}
	return out
}

// serversIn lists processes whose command line mentions dir.
func serversIn(dir string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), dir) {
			out = append(out, p)
		}
	}
	return out
}

// TestDSNProvider: against an existing server the gate creates its own
// database and suffixed roles, passes, and drops them all afterwards.
func TestDSNProvider(t *testing.T) {
	t.Parallel()
	db := testenv.Database(t)
	r := cli(t, nil, "run", "--seed", "3", "--checks", "10", "--dsn", db.AdminDSN("postgres"))
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if rep := readReport(t, r.dir); !strings.HasPrefix(rep.Target.AppRole, "app_user_") {
		t.Errorf("app role on a shared server = %q, want a suffixed app_user_<hex>", rep.Target.AppRole)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.AdminDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var dbs, roles int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'tenantfuzz\\_%'").Scan(&dbs); err != nil {
		t.Fatal(err) // a failed count would read as "0 left behind"
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'app\\_user%' OR rolname LIKE 'tenantfuzz\\_owner%'").Scan(&roles); err != nil {
		t.Fatal(err)
	}
	if dbs != 0 || roles != 0 {
		t.Errorf("left behind: %d databases, %d roles", dbs, roles)
	}
}

// TestKillMatrix: every seeded defect is killed by the expected property
// with the expected kind on the expected relation, each kill replays from
// its seed, and the reference schema is clean.
func TestKillMatrix(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "mutants", "--seed", "1", "--checks", "40")
	t.Log(r.stdout)
	if r.code == 2 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "mutants.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Mutants []struct {
			Mutant     string   `json:"mutant"`
			Killed     bool     `json:"killed"`
			AsExpected bool     `json:"as_expected"`
			Replays    bool     `json:"replays"`
			Findings   int      `json:"findings"`
			Blind      []string `json:"blind"`
			Error      string   `json:"error"`
		} `json:"mutants"`
		Killed int `json:"killed"`
		Total  int `json:"total"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// The whole catalogue, not "at least N": a mutant dropped from the
	// matrix (a registry left out, a worker that never ran) fails here.
	sqlMutants, err := mutant.Load(fixtures.Mutants())
	if err != nil {
		t.Fatal(err)
	}
	want := len(sqlMutants) + len(vector.Mutants) + len(router.Mutants) + len(api.Mutants)
	if m.Total != want || m.Killed != m.Total || len(m.Mutants) != want+4 {
		t.Errorf("killed %d of %d mutants as expected, %d rows (want all %d killed, and %d rows with the four references)", m.Killed, m.Total, len(m.Mutants), want, want+4)
	}
	for _, k := range m.Mutants {
		switch {
		case k.Error != "":
			t.Errorf("%s: %s", k.Mutant, k.Error)
		case mutant.IsReference(k.Mutant):
			if k.Findings > 0 || len(k.Blind) > 0 {
				t.Errorf("%s: %d findings, blind %q on a clean target", k.Mutant, k.Findings, k.Blind)
			}
		case !k.AsExpected || !k.Replays:
			t.Errorf("%s: as expected %v, replays %v", k.Mutant, k.AsExpected, k.Replays)
		}
	}
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
}
