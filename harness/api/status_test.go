package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// The reference service answers as a careful service does: 200 with the
// caller's own rows, 404 for another tenant's id exactly as for an id that
// exists nowhere, 403 for a body naming another tenant, 401 for every
// hostile credential, and ignores X-Tenant-Id.
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
	key, err := api.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.Start(env.NewService(key))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	own, foreign := w.TenantID(0), w.TenantID(1)
	tok := func(kind api.Credential) string {
		m, err := api.Mint(key, kind, own, foreign, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return m.Token
	}
	send := func(method, path, token, header, body string) (int, string) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
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
			t.Fatal(err) // a cut body would pass the absence checks below
		}
		return resp.StatusCode, string(b)
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
}
