package apiclient

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestScope: loopback URLs pass, any other host only when named by
// --allow-host; malformed URLs are refused.
func TestScope(t *testing.T) {
	for _, c := range []struct {
		url   string
		allow []string
		ok    bool
	}{
		{"http://127.0.0.1:8080", nil, true},
		{"http://127.3.4.5:8080/api/", nil, true},
		{"http://[::1]:9000", nil, true},
		{"https://localhost", nil, true},
		{"http://10.0.0.5:8080", nil, false},
		{"http://api.example.com", nil, false},
		{"http://api.example.com", []string{"API.example.com."}, true},
		{"http://api.example.com.evil.net", []string{"api.example.com"}, false},
		{"ftp://127.0.0.1", nil, false},
		{"127.0.0.1:8080", nil, false},
		{"http://user:pw@127.0.0.1", nil, false},
	} {
		s, err := NewScope(c.url, c.allow)
		if (err == nil) != c.ok {
			t.Errorf("NewScope(%q, %v): %v, want ok %v", c.url, c.allow, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("NewScope(%q): the error shows the password: %v", c.url, err)
		}
		if err == nil && strings.HasSuffix(s.URL(""), "/") {
			t.Errorf("NewScope(%q): base %q keeps a trailing slash", c.url, s.URL(""))
		}
	}
}

// TestLoadEndpoints: a good file loads with defaults; each bad one is an
// ErrSpec naming the problem.
func TestLoadEndpoints(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	s, err := LoadEndpoints(write("ok.yml", "endpoints:\n  - method: get\n    path: /documents/{id}\n    table: documents\n"))
	if err != nil || s.Endpoints[0].Method != "GET" || s.Endpoints[0].IDColumn != "id" {
		t.Fatalf("good file: %+v, %v", s, err)
	}
	for body, want := range map[string]string{
		"endpoints: []\n": "names no endpoints",
		"endpoints:\n  - method: GET\n    path: /d/{id}\n":                "{id} needs table",
		"endpoints:\n  - method: GET\n    path: /d/{uid}\n    table: d\n": "unknown placeholder {uid}",
		"endpoints:\n  - method: TRACE\n    path: /d\n":                   "method \"TRACE\"",
		"endpoints:\n  - method: GET\n    path: d\n":                      "must start with /",
		"endpoints:\n  - method: GET\n    path: /d\n    body: '{}'\n":     "a GET has no body",
		"endpoints:\n  - method: GET\n    path: /d\n    tabel: d\n":       "field tabel not found",
		"endpoints:\n  - method: GET\n  path: /d\n":                       "yaml",
	} {
		_, err := LoadEndpoints(write("bad.yml", body))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line holding %q", body, err, want)
		}
	}
}

// openAPIExtra adds, to the reference service's OpenAPI fixture, an
// operation whose table is named by x-tenantfuzz-table and one with two
// path parameters.
const openAPIExtra = `  /files/{fid}:
    delete:
      x-tenantfuzz-table: documents
      parameters:
        - {name: fid, in: path, required: true, schema: {type: string}}
      responses: {"204": {description: gone}}
  /a/{x}/b/{y}:
    get:
      parameters:
        - {name: x, in: path, required: true, schema: {type: string}}
        - {name: y, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
`

// TestLoadOpenAPI: operations become endpoints (the path parameter's
// table from the segment before it or x-tenantfuzz-table, a body template
// with the canary and the tenant, the tenant header), and an operation
// with two path parameters is skipped with the reason.
func TestLoadOpenAPI(t *testing.T) {
	doc, err := os.ReadFile(testenv.Fixture("api/openapi.yml"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "openapi.yml")
	os.WriteFile(p, append(doc, openAPIExtra...), 0o644)
	s, skipped, err := LoadOpenAPI(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Endpoint{}
	for _, e := range s.Endpoints {
		got[e.Method+" "+e.Path] = e
	}
	if len(got) != 4 || got["GET /documents/{id}"].Table != "documents" || got["DELETE /files/{id}"].Table != "documents" ||
		got["POST /documents"].Body != `{"tenant_id":"{tenant}","title":"{canary} title"}` || s.TenantHeader != "X-Tenant-Id" {
		t.Errorf("endpoints %+v, tenant header %q", got, s.TenantHeader)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "more than one path parameter") {
		t.Errorf("skipped: %q", skipped)
	}
	p = filepath.Join(t.TempDir(), "noinfo.yml")
	os.WriteFile(p, []byte("openapi: 3.0.3\npaths: {}\n"), 0o644)
	if _, _, err := LoadOpenAPI(context.Background(), p); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a document without info: %v, want a one-line error", err)
	}
}

// TestAuthCmdCredentials: --auth-cmd's token is used as printed (Bearer
// dropped), asked once per tenant; a JWT carrying the tenant claim yields
// alg-none and forged variants naming the other tenant; a failing command
// is an error with its stderr line.
func TestAuthCmdCredentials(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	os.WriteFile(key, []byte("unit-test-secret-0123456789\n"), 0o600)
	k, method, err := LoadKey(key)
	if err != nil || method.Alg() != "HS256" || string(k.([]byte)) != "unit-test-secret-0123456789" {
		t.Fatalf("LoadKey: %v %v", method, err)
	}
	signer := &Credentials{Key: k, Method: method}
	own, other := Tenant{ID: "00000000-0000-4000-8000-000000000001"}, Tenant{ID: "00000000-0000-4000-8000-000000000002"}
	m, _ := signer.Mint(ctx, api.Valid, own, other, time.Now())
	calls := filepath.Join(dir, "calls")
	c := &Credentials{AuthCmd: "echo x >> " + calls + "; echo 'Bearer " + m.Token + "' # {tenant}"}
	kinds, err := c.Hostile(ctx, own)
	if err != nil || len(kinds) != 4 {
		t.Fatalf("hostile kinds %v, %v; want none, garbage, alg-none, forged", kinds, err)
	}
	v, err := c.Mint(ctx, api.Valid, own, other, time.Now())
	if err != nil || v.Token != m.Token {
		t.Fatalf("valid: %q, %v", v.Token, err)
	}
	for _, kind := range []api.Credential{api.AlgNone, api.Forged} {
		h, err := c.Mint(ctx, kind, own, other, time.Now())
		p, perr := payload(h.Token)
		if err != nil || perr != nil || p[api.ClaimTenant] != other.ID || h.Token == m.Token {
			t.Errorf("%s: %q %v %v", kind, h.Token, err, perr)
		}
	}
	if b, _ := os.ReadFile(calls); strings.Count(string(b), "x") != 1 {
		t.Errorf("--auth-cmd ran %d times for one tenant, want 1", strings.Count(string(b), "x"))
	}
	bad := &Credentials{AuthCmd: "echo denied >&2; exit 3"}
	if _, err := bad.Mint(ctx, api.Valid, own, other, time.Now()); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Errorf("failing --auth-cmd: %v", err)
	}
}
