package pg

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCloneOnSharedServer: a clone holds the template's objects, owned by
// the same (cluster-wide) roles; closing a clone drops it; closing the
// database drops its remaining clones before its roles, so nothing is left
// and the roles' drop does not fail on objects in a clone.
func TestCloneOnSharedServer(t *testing.T) {
	srv := startTestDB(t, EmbeddedOptions{})
	admin := connect(t, srv.AdminDSN("postgres"))
	d, err := openDSN(testCtx(t), srv.AdminDSN("postgres"), "c10e0001")
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, d.DSN)
	mustExec(t, conn, "CREATE ROLE owner_c10e0001", "CREATE TABLE t (id int)", "ALTER TABLE t OWNER TO owner_c10e0001", "INSERT INTO t VALUES (7)")
	conn.Close(context.Background()) // nobody may be connected to a template
	a, err := d.Clone(testCtx(t), "w1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Clone(testCtx(t), "w2")
	if err != nil {
		t.Fatal(err)
	}
	if a.RoleSuffix != d.RoleSuffix || !a.SharedServer || a.Name != d.Name+"_w1" {
		t.Errorf("clone fields: %+v", a)
	}
	ac := connect(t, a.DSN)
	if got := queryString(t, ac, "SELECT owner_c10e0001.id::text || ' ' || tableowner FROM t owner_c10e0001 JOIN pg_tables ON tablename = 't'"); got != "7 owner_c10e0001" {
		t.Errorf("the clone holds %q, want the row and owner of the template", got)
	}
	ac.Close(context.Background())
	if err := a.Close(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(testCtx(t)); err != nil { // b is still open: d drops it first
		t.Fatalf("close with a clone open: %v", err)
	}
	rows, err := admin.Query(testCtx(t), `SELECT datname FROM pg_database WHERE datname LIKE 'tenantfuzz\_%' UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE '%c10e0001'`)
	if err != nil {
		t.Fatal(err) // a failed query would read as "nothing left behind"
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(left) > 0 {
		t.Errorf("left behind: %v (err %v)", left, err)
	}
	if err := b.Close(testCtx(t)); err != nil {
		t.Errorf("closing a clone its database closed: %v", err)
	}
}
