package pg

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestOpenDSN runs OpenDSN against an embedded server. It is not parallel
// because some subtests set environment variables.
func TestOpenDSN(t *testing.T) {
	srv := startTestDB(t, EmbeddedOptions{})
	adminDSN := srv.AdminDSN("postgres")
	admin := connect(t, adminDSN)
	// roleDSN connects to database postgres as role.
	roleDSN := func(role string) string {
		return strings.Replace(adminDSN, "user=postgres", "user="+role, 1)
	}
	exists := func(t *testing.T, catalog, column, name string) bool {
		t.Helper()
		var n int
		sql := "SELECT count(*) FROM " + catalog + " WHERE " + column + " = $1"
		if err := admin.QueryRow(testCtx(t), sql, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	t.Cleanup(func() {
		rows, err := admin.Query(context.Background(), `SELECT datname FROM pg_database WHERE datname LIKE 'tenantfuzz\_%'`)
		if err != nil {
			t.Fatal(err) // a failed query would read as "nothing left behind"
		}
		left, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(left) > 0 {
			t.Errorf("databases left behind: %v (err %v)", left, err)
		}
	})

	t.Run("superuser drops its database and only its new roles", func(t *testing.T) {
		mustExec(t, admin, "CREATE ROLE keep_deadbeef", "CREATE ROLE bystander")
		d, err := openDSN(testCtx(t), adminDSN, "deadbeef")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close(context.Background()) })
		if d.Name != "tenantfuzz_deadbeef" || d.RoleSuffix != "_deadbeef" || !d.SharedServer ||
			!d.Superuser || d.User != "postgres" || d.VersionNum != srv.VersionNum || d.Version != srv.Version {
			t.Errorf("unexpected Database fields: %+v", d)
		}
		conn := connect(t, d.DSN)
		if got := queryString(t, conn, "SELECT current_database()"); got != d.Name {
			t.Errorf("DSN connects to %q, want %q", got, d.Name)
		}
		mustExec(t, conn,
			"CREATE ROLE made_deadbeef",
			"CREATE ROLE login_deadbeef LOGIN",
			"CREATE TABLE t (id int)",
			"ALTER TABLE t OWNER TO made_deadbeef",
			"GRANT SELECT ON t TO login_deadbeef",
			"CREATE ROLE other_role")
		t.Cleanup(func() {
			_, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS keep_deadbeef, bystander, other_role")
		})
		// A session of another role stays open: WITH (FORCE) must end it.
		connect(t, strings.Replace(d.DSN, "user=postgres", "user=login_deadbeef", 1))

		if err := d.Close(testCtx(t)); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if exists(t, "pg_database", "datname", d.Name) {
			t.Errorf("database %s survived Close", d.Name)
		}
		for _, r := range []string{"made_deadbeef", "login_deadbeef"} {
			if exists(t, "pg_roles", "rolname", r) {
				t.Errorf("role %s created during the run survived Close", r)
			}
		}
		for _, r := range []string{"keep_deadbeef", "bystander", "other_role"} {
			if !exists(t, "pg_roles", "rolname", r) {
				t.Errorf("role %s was dropped but is not the run's to drop", r)
			}
		}
	})

	t.Run("URL from TENANTFUZZ_DSN", func(t *testing.T) {
		u := "postgres:///postgres?host=" + url.QueryEscape(srv.srv.sockDir()) + "&user=postgres&sslmode=disable"
		t.Setenv(dsnEnv, u)
		d, err := OpenDSN(testCtx(t), "")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close(context.Background())
		m := regexp.MustCompile(`^tenantfuzz_([0-9a-f]{8})$`).FindStringSubmatch(d.Name)
		if m == nil || d.RoleSuffix != "_"+m[1] {
			t.Errorf("Name %q and RoleSuffix %q do not share 8 hex digits", d.Name, d.RoleSuffix)
		}
		if !strings.HasPrefix(d.DSN, "postgres:///"+d.Name+"?") {
			t.Errorf("DSN %q is not the URL with the new database", d.DSN)
		}
		conn := connect(t, d.DSN)
		if got := queryString(t, conn, "SELECT current_database()"); got != d.Name {
			t.Errorf("DSN connects to %q, want %q", got, d.Name)
		}
		conn.Close(context.Background())
		if err := d.Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if exists(t, "pg_database", "datname", d.Name) {
			t.Errorf("database %s survived Close", d.Name)
		}
	})

	t.Run("no DSN at all", func(t *testing.T) {
		t.Setenv(dsnEnv, "")
		_, err := OpenDSN(testCtx(t), "")
		if err == nil || !strings.Contains(err.Error(), "--dsn") || !strings.Contains(err.Error(), dsnEnv) {
			t.Errorf("err = %v, want one naming --dsn and %s", err, dsnEnv)
		}
	})

	t.Run("non-superuser with the privileges", func(t *testing.T) {
		mustExec(t, admin, "CREATE ROLE fullpriv LOGIN CREATEDB CREATEROLE BYPASSRLS")
		t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS fullpriv") })
		d, err := openDSN(testCtx(t), roleDSN("fullpriv"), "cafef00d")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close(context.Background()) })
		if d.Superuser || d.User != "fullpriv" {
			t.Errorf("User %q Superuser %v, want fullpriv false", d.User, d.Superuser)
		}
		conn := connect(t, d.DSN)
		mustExec(t, conn, "CREATE ROLE tenant_cafef00d", "CREATE TABLE t (id int)", "GRANT SELECT ON t TO tenant_cafef00d")
		if err := d.Close(testCtx(t)); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if exists(t, "pg_roles", "rolname", "tenant_cafef00d") || exists(t, "pg_database", "datname", d.Name) {
			t.Error("Close left the role or the database behind")
		}
	})

	for _, tc := range []struct {
		name, attrs, want, notWant string
	}{
		{"lacks CREATEDB", "CREATEROLE BYPASSRLS", `lacks CREATEDB`, "CREATEROLE"},
		{"lacks CREATEROLE", "CREATEDB BYPASSRLS", `lacks CREATEROLE`, "CREATEDB"},
		{"lacks BYPASSRLS", "CREATEDB CREATEROLE", `neither SUPERUSER nor BYPASSRLS`, "lacks CREATE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			role := strings.ToLower(strings.ReplaceAll(tc.name, " ", "_"))
			mustExec(t, admin, "CREATE ROLE "+role+" LOGIN "+tc.attrs)
			t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
			d, err := OpenDSN(testCtx(t), roleDSN(role))
			if err == nil {
				d.Close(context.Background())
				t.Fatal("OpenDSN succeeded")
			}
			if !errors.Is(err, ErrPrivilege) {
				t.Errorf("err = %v, want ErrPrivilege", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, `ALTER ROLE "`+role+`"`) || strings.Contains(msg, tc.notWant) {
				t.Errorf("err = %q, want it to contain %q and ALTER ROLE %q and not %q", msg, tc.want, role, tc.notWant)
			}
		})
	}

	t.Run("errors hide passwords", func(t *testing.T) {
		for _, dsn := range []string{
			"postgres://u:sekrit@localhost:notaport/db",
			"host=localhost password=sekrit port=notaport",
			"host=localhost password='sekrit",
			"host=" + srv.srv.sockDir() + " user=nosuchrole password=sekrit sslmode=disable",
			"postgres://nosuchrole:sekrit@/db?host=" + url.QueryEscape(srv.srv.sockDir()),
		} {
			_, err := OpenDSN(testCtx(t), dsn)
			if err == nil {
				t.Errorf("OpenDSN(%s) succeeded", RedactDSN(dsn))
			} else if strings.Contains(err.Error(), "sekrit") {
				t.Errorf("error shows the password: %v", err)
			} else {
				t.Logf("%v", err)
			}
		}
	})
}
