package harness_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestBulkLoadKeepsSchema: BulkLoad drops indexes and constraints before
// its COPY and builds them again; pg_dump --schema-only is the same before
// the load, after it and after DropBulk, on the reference schema plus a
// partial expression index, a deferrable unique constraint and a commented
// index (left in place), and a partitioned table whose foreign key keeps
// the tenants' primary key in place. The rebuilt indexes enforce again: a
// duplicate key is refused.
func TestBulkLoadKeepsSchema(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t, "mutants/partition_without_rls.sql")
	if !tg.DB.Superuser {
		t.Skip("indexes are deferred on superuser loads only")
	}
	bin, err := pg.FindBinaries("")
	if err != nil {
		t.Skip(err)
	}
	for _, sql := range []string{
		"CREATE INDEX documents_title_lower ON documents (lower(title)) WHERE doc_type IS NOT NULL",
		"ALTER TABLE documents ADD CONSTRAINT documents_type_unique UNIQUE (tenant_id, doc_type, id) DEFERRABLE INITIALLY DEFERRED",
		"CREATE INDEX users_email ON users (email)",
		"COMMENT ON INDEX users_email IS 'kept in place'",
	} {
		if _, err := tg.Pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	before := schemaDump(t, bin, tg.DB)
	w, err := tg.BulkLoad(ctx, harness.BulkOptions{Tenants: 20, PerTenant: 3})
	if err != nil {
		t.Fatal(err)
	}
	if w.Index <= 0 {
		t.Error("no index was deferred")
	}
	sameDump(t, "after BulkLoad", before, schemaDump(t, bin, tg.DB))
	_, err = tg.Pool.Exec(ctx, "INSERT INTO users (id, tenant_id, email) SELECT gen_random_uuid(), tenant_id, email FROM users LIMIT 1")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("duplicate (tenant_id, email) after the rebuild: %v, want a unique violation", err)
	}
	if err := tg.DropBulk(ctx); err != nil {
		t.Fatal(err)
	}
	sameDump(t, "after DropBulk", before, schemaDump(t, bin, tg.DB))
}

// schemaDump runs pg_dump --schema-only on the target's database; the
// connection goes through the environment.
func schemaDump(t *testing.T, bin string, db *pg.Database) string {
	t.Helper()
	cfg, err := pgconn.ParseConfig(db.AdminDSN(db.Name))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "pg_dump"), "--schema-only")
	cmd.Env = append(os.Environ(), "PGHOST="+cfg.Host, "PGPORT="+strconv.Itoa(int(cfg.Port)), "PGUSER="+cfg.User,
		"PGDATABASE="+cfg.Database, "PGPASSWORD="+cfg.Password, "PGSSLMODE=disable")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(l, "\\restrict ") && !strings.HasPrefix(l, "\\unrestrict ") { // a random key per dump
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// sameDump reports the first line where two dumps differ.
func sameDump(t *testing.T, when, want, got string) {
	t.Helper()
	if want == got {
		return
	}
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			t.Errorf("%s: schema differs at line %d:\nbefore: %s\nafter:  %s", when, i+1, x, y)
			return
		}
	}
}
