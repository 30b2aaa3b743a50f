package apiclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedEnv != nil {
		sharedEnv.Close()
	}
	pg.CleanupAll()
	os.Exit(code)
}

var (
	envOnce   sync.Once
	sharedEnv *api.Env
	envErr    error
)

// testEnv is one database with the reference schema for the package's
// tests; TestMain closes it.
func testEnv(t *testing.T) *api.Env {
	t.Helper()
	envOnce.Do(func() { sharedEnv, envErr = api.NewEnv(context.Background(), nil) })
	if errors.Is(envErr, pg.ErrNoBinaries) {
		t.Skipf("no PostgreSQL binaries: %v", envErr)
	}
	if envErr != nil {
		t.Fatalf("start api env: %v", envErr)
	}
	return sharedEnv
}

// referenceSpec is the reference service's endpoints, as a user would
// write them.
var referenceSpec = &Spec{Source: "test", TenantHeader: api.HeaderTenant, Endpoints: []Endpoint{
	{Method: "GET", Path: "/documents"},
	{Method: "GET", Path: "/documents/{id}", Table: "documents", IDColumn: "id"},
	{Method: "POST", Path: "/documents", Body: `{"title": "created by {canary}", "tenant_id": "{tenant}"}`},
}}

// serve serves h on loopback until the test ends.
func serve(t *testing.T, h http.Handler) *Scope {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s, err := NewScope("http://"+ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// silentWrite is a seeded defect no response shows: create trusts the
// body's tenant_id (the body-tenant mutant) and answers 204 with no body,
// so only the digest of the other tenant's rows tells.
func silentWrite(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		w.WriteHeader(map[bool]int{true: http.StatusNoContent, false: rec.Code}[rec.Code/100 == 2])
	})
}

// keyFileMutants are the service mutants an HS256 key file's credentials
// and the endpoints of referenceSpec reach (harness/api's mutants that
// need RS256 keys, deleted tenants, Host variants or a look into the
// service's pool are beyond the external path: docs/api.md, limits).
var keyFileMutants = []string{"alg-none-accepted", "body-tenant", "expiry-ignored", "forbidden-foreign", "header-tenant", "idor-get", "unverified-jwt"}

// TestServicesOverHTTP: the external path's oracle, with a key file's
// credentials, against the reference service (an earned pass) and each
// of keyFileMutants (killed by one of its kinds, with a curl line), served
// over real HTTP on loopback from a real database; and a write no answer
// echoes is caught by the digest of the other tenants' rows. About 5 s.
func TestServicesOverHTTP(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	key, _ := api.NewKey()
	target := func(h http.Handler) *Target {
		return &Target{Scope: serve(t, h), Spec: referenceSpec, DB: env.Target, How: "signed with the key",
			Creds: &Credentials{Key: key, Method: jwt.SigningMethodHS256}}
	}
	opts := func(checks int) harness.RunOptions {
		return harness.RunOptions{Checks: checks, Seed: 11, Statements: 6, ShrinkTime: 300 * time.Millisecond, ReplayBase: "tenantfuzz api --url ..."}
	}

	clean := target(env.NewService(key).Handler()).Run(ctx, opts(15))
	if clean.Verdict != harness.VerdictPass || clean.Reached == 0 || clean.Own == 0 {
		t.Fatalf("reference service: %s (%s, %v), reached %d, own %d, findings %v", clean.Verdict, clean.Reason, clean.Err, clean.Reached, clean.Own, clean.Findings)
	}
	for _, name := range keyFileMutants {
		m := api.MutantByName(name)
		if m == nil {
			t.Fatalf("no service mutant %s", name)
		}
		res := target(env.WithMutant(m).NewService(key).Handler()).Run(ctx, opts(60))
		if len(res.Findings) == 0 || !m.Kills(res.Findings[0].Kind) {
			t.Errorf("%s: not killed over HTTP: %s %v %v", m.Name, res.Verdict, res.Err, res.Findings)
			continue
		}
		if f := res.Findings[0]; f.Script == "" || f.Replay == "" {
			t.Errorf("%s: finding without curl or replay: %+v", m.Name, f)
		}
	}
	body := api.MutantByName("body-tenant")
	res := target(silentWrite(env.WithMutant(body).NewService(key).Handler())).Run(ctx, opts(60))
	if len(res.Findings) == 0 || res.Findings[0].Kind != api.KindCrossTenantWrite || !strings.Contains(strings.Join(res.Findings[0].Evidence, " "), "changed in documents") {
		t.Fatalf("silent write: %s %v %v, want %s from the digest", res.Verdict, res.Err, res.Findings, api.KindCrossTenantWrite)
	}
}

// TestHostPattern: under --host-pattern each request carries its tenant's
// Host (the tenants table's slug column holds the host-safe slug the
// pattern names), and the reference service, which ignores Host, still
// passes.
func TestHostPattern(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	key, _ := api.NewKey()
	var mu sync.Mutex
	var hosts []string
	h := env.NewService(key).Handler()
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		h.ServeHTTP(w, r)
	})
	x := &Target{Scope: serve(t, rec), Spec: referenceSpec, DB: env.Target, How: "signed with the key",
		Creds: &Credentials{Key: key, Method: jwt.SigningMethodHS256, HostPattern: "{slug}.app.test"}}
	res := x.Run(ctx, harness.RunOptions{Checks: 5, Seed: 3, Statements: 4, ShrinkTime: 300 * time.Millisecond})
	if res.Verdict != harness.VerdictPass {
		t.Fatalf("reference under a host pattern: %s %s %v %v", res.Verdict, res.Reason, res.Err, res.Findings)
	}
	last := hosts[len(hosts)-1]
	slug, ok := strings.CutSuffix(last, ".app.test")
	if !ok || !regexp.MustCompile(`^tf[0-9]-[0-9a-f]{8}$`).MatchString(slug) {
		t.Fatalf("Host %q, want tfN-xxxxxxxx.app.test", last)
	}
	var n int
	if err := env.Target.Pool.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE slug = $1", slug).Scan(&n); err != nil || n != 1 {
		t.Errorf("tenants with slug %s: %d (%v), want 1", slug, n, err)
	}
}
