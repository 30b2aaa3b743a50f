package pgtap_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/pgtap"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

// server is one embedded PostgreSQL holding the reference schema in its
// own database; fresh databases on it get the schema without its CREATE
// ROLE lines (roles are the cluster's, created once).
type server struct {
	t   *testing.T
	db  *pg.Database
	ref *harness.Target
}

var createRole = regexp.MustCompile(`(?m)^CREATE ROLE [^;]*;$`)

func newServer(t *testing.T) *server {
	if _, err := exec.LookPath("pg_prove"); err != nil {
		needtool.Missing(t, "pg_prove is not installed (apt-get install libtap-parser-sourcehandler-pgtap-perl, as .ci/run does)")
	}
	if m, _ := filepath.Glob("/usr/share/postgresql/*/extension/pgtap.control"); len(m) == 0 {
		needtool.Missing(t, "pgTAP is not installed (apt-get install postgresql-15-pgtap, as .ci/run does)")
	}
	db := testenv.Database(t)
	ref, err := harness.Open(context.Background(), db, harness.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Close)
	s := &server{t: t, db: db, ref: ref}
	s.exec(db.DSN, "CREATE EXTENSION pgtap")
	return s
}

func (s *server) exec(dsn, sql string) {
	s.t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		s.t.Fatalf("%v\n%.300s", err, sql)
	}
}

func (s *server) dsn(name string) string {
	cfg, _ := pgx.ParseConfig(s.db.DSN)
	return "host=" + cfg.Host + " port=" + strconv.Itoa(int(cfg.Port)) + " user=" + cfg.User + " dbname=" + name
}

// database creates a fresh database with pgTAP and, unless empty, the
// reference schema and the overlays (fixture paths).
func (s *server) database(name string, schema bool, overlays ...string) *pg.Database {
	s.t.Helper()
	s.exec(s.db.DSN, "CREATE DATABASE "+name)
	db := &pg.Database{DSN: s.dsn(name), Name: name, User: s.db.User, Superuser: true, VersionNum: s.db.VersionNum, Version: s.db.Version}
	s.exec(db.DSN, "CREATE EXTENSION pgtap")
	if schema {
		files := stripRoles(s.t)
		files = append(files, overlayFiles(s.t, overlays...)...)
		for _, f := range files {
			s.exec(db.DSN, f.SQL)
		}
	}
	return db
}

func stripRoles(t *testing.T) []harness.SQLFile {
	files, err := harness.ReferenceSchema()
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		files[i].SQL = createRole.ReplaceAllString(files[i].SQL, "")
	}
	return files
}

func overlayFiles(t *testing.T, overlays ...string) []harness.SQLFile {
	var paths []string
	for _, o := range overlays {
		paths = append(paths, testenv.Fixture(o))
	}
	files, err := harness.LoadFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// prove runs pg_prove on files in database name: whether all passed, and
// its output.
func (s *server) prove(name string, files ...string) (bool, string) {
	cfg, _ := pgx.ParseConfig(s.db.DSN)
	args := []string{"--psql-bin", filepath.Join(filepath.Dir(pgBin(s.t)), "psql"), "-h", cfg.Host, "-p", strconv.Itoa(int(cfg.Port)), "-U", cfg.User, "-d", name}
	cmd := exec.Command("pg_prove", append(args, files...)...)
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

func pgBin(t *testing.T) string {
	dir, err := pg.FindBinaries("")
	if err != nil {
		needtool.Missing(t, "%v", err)
	}
	return filepath.Join(dir, "postgres")
}

func write(t *testing.T, dir string, files []pgtap.File) []string {
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := os.WriteFile(p, []byte(f.SQL), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// findings runs property p on relation rel of the defective target and
// returns its findings.
func findings(t *testing.T, tg *harness.Target, p *harness.Property, rel string) []pgtap.Finding {
	var out []pgtap.Finding
	for _, subj := range p.Subjects(tg) {
		if subj.Name != rel {
			continue
		}
		res := p.RunSubject(context.Background(), tg, subj, harness.RunOptions{Checks: 20, Seed: 7, ShrinkTime: time.Second, ReplayBase: "tenantfuzz replay"})
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		for _, f := range res.Findings {
			out = append(out, pgtap.Finding{ID: len(out) + 1, Finding: *f})
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s found nothing on %s", p.Name, rel)
	}
	return out
}

// TestFindingFilesFailOnDefectPassOnFix: the pgTAP file of a read finding
// (RLS off), a write finding (an INSERT policy WITH CHECK (true)), a
// fail-open finding (empty context sees all) and a side channel (a
// globally unique email)
// fails under pg_prove in the defective database and passes in the
// reference one (the fix); re-export is byte-identical.
func TestFindingFilesFailOnDefectPassOnFix(t *testing.T) {
	s := newServer(t)
	for _, c := range []struct {
		mutant, rel string
		p           *harness.Property
	}{
		{"mutants/rls_off.sql", "documents", harness.ReadIsolation},
		{"mutants/insert_with_check_true.sql", "documents", harness.WriteIsolation},
		{"mutants/fail_open_empty_context.sql", "documents", harness.FailClosed},
		{"mutants/global_unique_key.sql", "users", harness.SideChannel},
	} {
		name := strings.TrimSuffix(filepath.Base(c.mutant), ".sql")
		t.Run(name, func(t *testing.T) {
			db := s.database(name, false)
			tg, err := harness.Open(context.Background(), db, harness.Config{Schema: stripRoles(t), Overlays: overlayFiles(t, c.mutant)})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			fs := findings(t, tg, c.p, c.rel)
			files, skipped := pgtap.Findings(fs, pgtap.Options{Report: "report.json"})
			if len(files) == 0 {
				t.Fatalf("nothing exported: %v", skipped)
			}
			again, _ := pgtap.Findings(fs, pgtap.Options{Report: "report.json"})
			for i := range files {
				if files[i] != again[i] {
					t.Errorf("re-export of %s differs", files[i].Name)
				}
				if !regexp.MustCompile(`^` + c.rel + `_[a-z_]+_[0-9]+\.sql$`).MatchString(files[i].Name) {
					t.Errorf("file name %q", files[i].Name)
				}
			}
			dir := t.TempDir()
			paths := write(t, dir, files[:1])
			ok, out := s.prove(name, paths...)
			if ok {
				t.Errorf("pg_prove passed on the defective schema:\n%s\n%s", out, files[0].SQL)
			} else if !strings.Contains(out, "Failed") {
				t.Errorf("pg_prove failed without a failed test:\n%s", out)
			}
			if ok, out := s.prove(s.db.Name, paths...); !ok {
				t.Errorf("pg_prove failed on the fixed schema:\n%s\n%s", out, files[0].SQL)
			}
		})
	}
}

// TestSupabaseFindingFile: a finding of a --supabase run (the classic
// "read access for authenticated users" policy) exports a file that sets
// the context through request.jwt.claims, as auth.uid() and auth.jwt()
// read it under `supabase test db`: it fails on the defect, passes on the
// example schema without it.
func TestSupabaseFindingFile(t *testing.T) {
	s := newServer(t)
	base, err := harness.LoadSchema(testenv.Fixture("examples/supabase"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := harness.Config{Schema: base, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}
	open := func(name string, overlays ...string) *harness.Target {
		c := cfg
		c.Overlays = overlayFiles(t, overlays...)
		tg, err := harness.Open(context.Background(), s.database(name, false), c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tg.Close)
		return tg
	}
	defective := open("supa_defect", "examples/supabase-defects/authenticated_sees_all.sql")
	open("supa_fixed")
	files, skipped := pgtap.Findings(findings(t, defective, harness.ReadIsolation, "projects"), pgtap.Options{})
	if len(files) == 0 {
		t.Fatalf("nothing exported: %v", skipped)
	}
	if !strings.Contains(files[0].SQL, "request.jwt.claims") || !strings.Contains(files[0].SQL, "SET LOCAL ROLE authenticated") {
		t.Errorf("the file does not set the Supabase context:\n%s", files[0].SQL)
	}
	paths := write(t, t.TempDir(), files[:1])
	if ok, out := s.prove("supa_defect", paths...); ok {
		t.Errorf("pg_prove passed on the defective schema:\n%s", out)
	}
	if ok, out := s.prove("supa_fixed", paths...); !ok {
		t.Errorf("pg_prove failed on the fixed schema:\n%s\n%s", out, files[0].SQL)
	}
}

// TestRegressionSuite: the regression suite exported from the reference
// schema passes there and fails on at least five kill-matrix mutants, each
// in a fresh database of the one server. (update-moves-rows and
// extra-permissive-policy survive it: docs/keep-it-fixed.md, Limits.)
func TestRegressionSuite(t *testing.T) {
	s := newServer(t)
	files, err := pgtap.Regression(context.Background(), s.ref, "tenantfuzz export pgtap --regression")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("only %d regression files", len(files))
	}
	again, _ := pgtap.Regression(context.Background(), s.ref, "tenantfuzz export pgtap --regression")
	for i := range files {
		if !bytes.Equal([]byte(files[i].SQL), []byte(again[i].SQL)) {
			t.Errorf("re-export of %s differs", files[i].Name)
		}
	}
	paths := write(t, t.TempDir(), files)
	if ok, out := s.prove(s.db.Name, paths...); !ok {
		t.Fatalf("regression suite fails on the reference schema:\n%s", out)
	}
	killed := 0
	for _, m := range []string{"rls_off", "select_only_policy", "fail_open_empty_context", "null_context_fallback", "like_prefix_policy", "policy_on_wrong_column"} {
		s.database("m_"+m, true, "mutants/"+m+".sql")
		ok, out := s.prove("m_"+m, paths...)
		if ok {
			t.Logf("mutant %s survives the regression suite: %s", m, lastLines(out, 1))
			continue
		}
		killed++
		t.Logf("mutant %s: %s", m, lastLines(out, 3))
	}
	if killed < 5 {
		t.Errorf("the regression suite fails on %d mutants, want at least 5", killed)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, " | ")
}
