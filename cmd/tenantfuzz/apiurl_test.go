package main_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

const apiURLPassword = "pw-apiurl-not-for-output"

// freePort is a loopback port nothing listens on (a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestAPIURL: tenantfuzz api --url against the reference service run as a
// process of its own (tenantfuzz api serve, started by --serve-cmd on the
// run's database), tokens from --auth-cmd, worlds seeded through a --dsn
// server whose DSN carries a password. The reference service, its
// endpoints read from an OpenAPI document, passes with
// an earned verdict (requests reached other tenants, own rows seen); the
// header-tenant service mutant is a finding with a curl reproduction that
// shows no token, whose replay line, run as printed, reproduces it. The
// password is printed nowhere, and the server holds no database or role
// of the runs afterwards. About 10 s.
func TestAPIURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	endpoints, openapi := testenv.Fixture("api/endpoints.yml"), testenv.Fixture("api/openapi.yml")
	os.WriteFile(secret, []byte("apiurl-test-hs256-secret-0123456789\n"), 0o600)
	db := testenv.Database(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.AdminDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE ROLE tf_apiurl_admin LOGIN SUPERUSER PASSWORD '"+apiURLPassword+"'"); err != nil {
		t.Fatal(err)
	}
	dsn := strings.Replace(db.AdminDSN("postgres"), "user=postgres", "user=tf_apiurl_admin", 1) + " password='" + apiURLPassword + "'"
	run := func(mutant, spec string, extra ...string) result {
		port := freePort(t)
		serve := fmt.Sprintf("%s api serve --listen 127.0.0.1:%d --jwt-secret-file %s", binary, port, secret)
		if mutant != "" {
			serve += " --mutant " + mutant
		}
		args := append([]string{"api", "--url", fmt.Sprintf("http://127.0.0.1:%d", port), "--serve-cmd", serve,
			"--auth-cmd", binary + " api token --jwt-secret-file " + secret + " {tenant}", spec, "--dsn", dsn}, extra...)
		return cli(t, nil, args...)
	}
	noSecret := func(r result) {
		t.Helper()
		for _, out := range []string{r.stdout, r.stderr} {
			if strings.Contains(out, apiURLPassword) || regexp.MustCompile(`Bearer eyJhbGciOiJIUzI1Ni`).MatchString(out) {
				t.Errorf("a password or a signed token was printed:\n%s", out)
			}
		}
	}

	clean := run("", "--openapi="+openapi, "--seed", "5", "--checks", "8")
	noSecret(clean)
	if clean.code != 0 || !strings.Contains(clean.stdout, "checks 8,") || !strings.Contains(clean.stdout, ": pass") || strings.Contains(clean.stdout, "(0 could reach") {
		t.Fatalf("reference service: exit %d, want 0 and an earned pass over 8 checks\nstdout:\n%s\nstderr:\n%s", clean.code, clean.stdout, clean.stderr)
	}

	leak := run("header-tenant", "--endpoints="+endpoints, "--seed", "5", "--checks", "30")
	noSecret(leak)
	if leak.code != 1 || !strings.Contains(leak.stdout, "api-cross-tenant-") || !strings.Contains(leak.stdout, "curl -sS -i -X") ||
		!strings.Contains(leak.stdout, `"Authorization: Bearer $TOKEN"`) || !strings.Contains(leak.stdout, "X-Tenant-Id: ") {
		t.Fatalf("header-tenant: exit %d, want 1 with a cross-tenant finding and a curl line sending X-Tenant-Id\nstdout:\n%s\nstderr:\n%s", leak.code, leak.stdout, leak.stderr)
	}
	if _, err := os.Stat(filepath.Join(leak.dir, "repro-api-1.sh")); err != nil {
		t.Errorf("--report-dir: %v", err)
	}
	m := regexp.MustCompile(`(?m)^  replay: tenantfuzz (api .*)$`).FindStringSubmatch(leak.stdout)
	if m == nil || !strings.Contains(m[1], `--dsn "$TENANTFUZZ_DSN"`) {
		t.Fatalf("no replay line naming the DSN as $TENANTFUZZ_DSN:\n%s", leak.stdout)
	}
	// The replay line runs as printed, in a shell, with the DSN in the
	// environment; the port it names is free again.
	again := shellCLI(t, []string{"TENANTFUZZ_DSN=" + dsn}, m[1])
	noSecret(again)
	if again.code != 1 || !strings.Contains(again.stdout, "replay of seed") || !strings.Contains(again.stdout, "api-cross-tenant-") {
		t.Fatalf("replay %q: exit %d, want 1 with the finding again\nstdout:\n%s\nstderr:\n%s", m[1], again.code, again.stdout, again.stderr)
	}

	var left int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_database WHERE datname LIKE 'tenantfuzz\_%')
		+ (SELECT count(*) FROM pg_roles WHERE rolname ~ '_[0-9a-f]{8}$')`).Scan(&left); err != nil || left != 0 {
		t.Errorf("the runs left %d databases or roles on the server (%v)", left, err)
	}
}

// shellCLI runs "tenantfuzz LINE" in a shell, as a user pastes a printed
// command line.
func shellCLI(t *testing.T, env []string, line string) result {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", binary+" "+line)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	return runResult(t, cmd, dir)
}
