package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// The reference service answers as a careful service does: 200 with the
// caller's own rows (HS256 or RS256 token), 404 for another tenant's id
// exactly as for an id that exists nowhere (get, update, delete, chunks),
// 403 for a body naming another tenant, 401 for every hostile credential
// (a deleted tenant's token included), ignores X-Tenant-Id; under the
// zone the Host names the tenant: the token's own host in any DNS spelling
// is 200, another tenant's 403, extra labels and unknown slugs 404.
func TestReferenceStatuses(t *testing.T) {
	env := testEnv(t)
	ctx := context.Background()
	w, err := env.Target.FixedWorld(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Load(ctx, w); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Clear(ctx) }()
	var ownDoc, foreignDoc string
	for _, r := range w.Rows {
		if r.Table.Name == "documents" && !r.Global {
			id := strings.Trim(strings.SplitN(r.Values["id"], "::", 2)[0], "'")
			if r.Tenant == 0 && ownDoc == "" {
				ownDoc = id
			}
			if r.Tenant == 1 && foreignDoc == "" {
				foreignDoc = id
			}
		}
	}
	if ownDoc == "" || foreignDoc == "" {
		t.Fatalf("fixed world lacks a document per tenant")
	}
	keys, err := api.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.Start(env.NewServiceKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	own, foreign := w.TenantID(0), w.TenantID(1)
	tok := func(kind api.Credential) string {
		m, err := keys.Mint(kind, own, foreign, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return m.Token
	}
	send := func(method, path, token, header, body string) (int, string) {
		return sendHost(t, srv.URL, "", method, path, token, header, body)
	}
	valid := tok(api.Valid)
	if st, body := send("GET", "/documents", valid, foreign, ""); st != 200 || !strings.Contains(body, ownDoc) || strings.Contains(body, foreign) {
		t.Errorf("list with a foreign X-Tenant-Id: %d, own doc shown %v, foreign tenant shown %v", st, strings.Contains(body, ownDoc), strings.Contains(body, foreign))
	}
	if st, _ := send("GET", "/documents/"+ownDoc, valid, "", ""); st != 200 {
		t.Errorf("get own document: %d", st)
	}
	stF, bodyF := send("GET", "/documents/"+foreignDoc, valid, "", "")
	stM, bodyM := send("GET", "/documents/00000000-0000-4000-8000-000000000999", valid, "", "")
	if stF != 404 || stM != 404 || len(bodyF) != len(bodyM) {
		t.Errorf("foreign id: %d (%d bytes), missing id: %d (%d bytes); want 404 alike", stF, len(bodyF), stM, len(bodyM))
	}
	if st, _ := send("POST", "/documents", valid, "", `{"title":"x","tenant_id":"`+foreign+`"}`); st != 403 {
		t.Errorf("create naming another tenant: %d, want 403", st)
	}
	if st, body := send("POST", "/documents", valid, foreign, `{"title":"x"}`); st != 201 || !strings.Contains(body, own) {
		t.Errorf("create with a foreign X-Tenant-Id: %d %s, want 201 in the caller's tenant", st, body)
	}
	for _, kind := range api.HostileCredentials {
		if st, _ := send("GET", "/documents", tok(kind), "", ""); st != 401 {
			t.Errorf("%s token: %d, want 401", kind, st)
		}
	}
	rs := tok(api.ValidRS)
	if st, body := send("GET", "/documents", rs, "", ""); st != 200 || !strings.Contains(body, ownDoc) {
		t.Errorf("list with an RS256 token: %d", st)
	}
	if st, body := send("GET", "/search?q="+url.QueryEscape(generators.Canary(1)), valid, "", ""); st != 200 || strings.Contains(body, foreign) {
		t.Errorf("search for another tenant's canary: %d %s", st, body)
	}
	if st, _ := send("PATCH", "/documents/"+foreignDoc, valid, "", `{"title":"x"}`); st != 404 {
		t.Errorf("update another tenant's document: %d, want 404", st)
	}
	if st, _ := send("DELETE", "/documents/"+foreignDoc, valid, "", ""); st != 404 {
		t.Errorf("delete another tenant's document: %d, want 404", st)
	}
	if st, _ := send("GET", "/documents/"+foreignDoc+"/chunks", valid, "", ""); st != 404 {
		t.Errorf("chunks of another tenant's document: %d, want 404", st)
	}
	if st, body := send("PATCH", "/documents/"+ownDoc, valid, "", `{"title":"renamed"}`); st != 200 || !strings.Contains(body, "renamed") {
		t.Errorf("update own document: %d %s", st, body)
	}
	if st, _ := send("DELETE", "/documents/"+ownDoc, valid, "", ""); st != 204 {
		t.Errorf("delete own document: %d, want 204", st)
	}
	// Subdomain tenancy: the Host names the tenant, the token must be its.
	host := func(h string) int {
		st, _ := sendHost(t, srv.URL, h, "GET", "/documents", valid, "", "")
		return st
	}
	for h, want := range map[string]int{
		api.HostOf(0, api.DefaultZone): 200, "ACME-1.MyApp.test": 200, api.HostOf(0, api.DefaultZone) + ".": 200, api.HostOf(0, api.DefaultZone) + ":8443": 200,
		api.HostOf(1, api.DefaultZone): 403, "Acme-2.myapp.test:443": 403, "acme-2.myapp.test.": 403,
		"evil." + api.HostOf(0, api.DefaultZone): 404, "acme-9.myapp.test": 404, "acme-l.myapp.test": 404,
		api.HostOf(1, "evil.test"): 200, // outside the zone: the token's tenant, as on the service's own address
	} {
		if got := host(h); got != want {
			t.Errorf("Host %q: %d, want %d", h, got, want)
		}
	}
}

// sendHost sends one request (Host h when not empty) and returns the
// status and body.
func sendHost(t *testing.T, base, h, method, path, token, header, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if h != "" {
		req.Host = h
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if header != "" {
		req.Header.Set(api.HeaderTenant, header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err) // a cut body would pass the absence checks of the callers
	}
	return resp.StatusCode, string(b)
}
