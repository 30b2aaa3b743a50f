package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

const (
	migTenant = "7e4a0000-0000-4000-8000-00000000000a"
	migOther  = "7e4a0000-0000-4000-8000-00000000000b"
)

// tenantRows are tenant A's rows below its directory entry: 2 users, 3
// documents, 4 chunks.
const tenantRows = `
INSERT INTO users (id, tenant_id, email) VALUES
  ('00000000-0000-4000-8000-0000000000a1', '` + migTenant + `', 'a1@a'),
  ('00000000-0000-4000-8000-0000000000a2', '` + migTenant + `', 'a2@a');
INSERT INTO documents (id, tenant_id, user_id, title) VALUES
  ('00000000-0000-4000-8000-00000000ad01', '` + migTenant + `', '00000000-0000-4000-8000-0000000000a1', 'one'),
  ('00000000-0000-4000-8000-00000000ad02', '` + migTenant + `', NULL, 'two'),
  ('00000000-0000-4000-8000-00000000ad03', '` + migTenant + `', NULL, 'three');
INSERT INTO document_chunks (id, tenant_id, document_id, chunk_index, body) VALUES
  ('00000000-0000-4000-8000-0000000ac001', '` + migTenant + `', '00000000-0000-4000-8000-00000000ad01', 0, 'x'),
  ('00000000-0000-4000-8000-0000000ac002', '` + migTenant + `', '00000000-0000-4000-8000-00000000ad01', 1, 'y'),
  ('00000000-0000-4000-8000-0000000ac003', '` + migTenant + `', '00000000-0000-4000-8000-00000000ad02', 0, 'z'),
  ('00000000-0000-4000-8000-0000000ac004', '` + migTenant + `', '00000000-0000-4000-8000-00000000ad03', 0, 'w');`

func migrateCheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"migrate-check"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

func mustExec(t *testing.T, tg *harness.Target, sql string) {
	t.Helper()
	if _, err := tg.Pool.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestMigrateCheck: a baseline before, the reference migration reported
// clean, a lossy target and a leftover source reported with their tables
// and counts, and usage errors.
func TestMigrateCheck(t *testing.T) {
	from, to := testenv.Target(t), testenv.Target(t)
	mustExec(t, from, `INSERT INTO tenants (id, name, slug) VALUES ('`+migTenant+`', 'A', 'acme'), ('`+migOther+`', 'B', 'kite');
INSERT INTO users (id, tenant_id, email) VALUES ('00000000-0000-4000-8000-0000000000b1', '`+migOther+`', 'b@b');`+tenantRows)
	base := filepath.Join(t.TempDir(), "before.json")
	code, out, errs := migrateCheck(t, "--from", from.DB.DSN, "--tenant", migTenant, "--save-baseline", base)
	if code != 0 || !strings.Contains(out, "10 rows (tenants 1, users 2, documents 3, document_chunks 4)") {
		t.Fatalf("save baseline: exit %d\n%s%s", code, out, errs)
	}

	if err := router.Migrate(context.Background(), &router.Migration{Source: from.Pool, Target: to.Pool, Catalog: from.Catalog, Tenant: migTenant}); err != nil {
		t.Fatal(err)
	}
	check := []string{"--from", from.DB.DSN, "--to", to.DB.DSN, "--tenant", migTenant, "--baseline", base}
	code, out, errs = migrateCheck(t, check...)
	if code != 0 || !strings.Contains(out, "clean: every baseline row is in the target") {
		t.Fatalf("correct migration: exit %d\n%s%s", code, out, errs)
	}

	mustExec(t, to, "DELETE FROM document_chunks WHERE id IN ('00000000-0000-4000-8000-0000000ac002', '00000000-0000-4000-8000-0000000ac004')")
	code, out, _ = migrateCheck(t, check...)
	t.Logf("lossy:\n%s", out)
	if code != 1 || !strings.Contains(out, "migration-loss [critical] on document_chunks: document_chunks: 2 of the tenant's 4 rows are missing from the target") || strings.Count(out, "migration-") != 1 {
		t.Errorf("lossy migration: exit %d\n%s", code, out)
	}

	mustExec(t, from, tenantRows)
	code, out, _ = migrateCheck(t, append(check, "--format", "json")...)
	var rep router.MigrationReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[string(f.Kind)+" "+f.Relation] = f.Evidence[0]
	}
	for k, want := range map[string]string{
		"migration-loss document_chunks":     "document_chunks: 2 of the tenant's 4 rows are missing from the target and 0 differ",
		"migration-leftover users":           "users: 2 rows of the tenant are still in the source",
		"migration-leftover documents":       "documents: 3 rows of the tenant are still in the source",
		"migration-leftover document_chunks": "document_chunks: 4 rows of the tenant are still in the source",
	} {
		if !strings.HasPrefix(got[k], want) {
			t.Errorf("%s: got %q, want %q", k, got[k], want)
		}
	}
	if len(got) != 4 {
		t.Errorf("findings: %v", got)
	}

	for _, args := range [][]string{
		{"--from", from.DB.DSN},
		{"--from", from.DB.DSN, "--tenant", migTenant},
		{"--from", from.DB.DSN, "--to", "host=/nonexistent dbname=x", "--tenant", migTenant},
		{"--from", from.DB.DSN, "--to", to.DB.DSN, "--tenant", migTenant, "--baseline", filepath.Join(t.TempDir(), "missing.json")},
		{"--from", from.DB.DSN, "--to", to.DB.DSN, "--tenant", migTenant, "--format", "xml"},
	} {
		if code, _, errs := migrateCheck(t, args...); code != 2 || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, errs)
		}
	}
}
