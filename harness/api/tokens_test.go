package api_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// The reference verification accepts the tenant's valid token and refuses
// every hostile credential; no database is needed.
func TestVerifiedTenant(t *testing.T) {
	keys, err := api.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	s := &api.Service{Key: keys.HS256, Public: keys.Public(), Hooks: api.Reference()}
	const own, foreign = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
	req := func(m api.Minted) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/documents", nil)
		if m.Token != "" {
			r.Header.Set("Authorization", "Bearer "+m.Token)
		}
		return r
	}
	now := time.Now()
	for _, kind := range []api.Credential{api.Valid, api.ValidRS} {
		valid, err := keys.Mint(kind, own, foreign, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.VerifiedTenant(req(valid)); err != nil || got != own {
			t.Fatalf("%s token: got %q, %v", kind, got, err)
		}
	}
	for _, kind := range api.HostileCredentials {
		m, err := keys.Mint(kind, own, foreign, now)
		if err != nil {
			t.Fatal(err)
		}
		if kind == api.Deleted {
			continue // signed and valid: the service refuses it when it finds no such tenant (TestReferenceStatuses)
		}
		if got, err := s.VerifiedTenant(req(m)); !errors.Is(err, api.ErrUnauthorized) {
			t.Errorf("%s token accepted as %q", kind, got)
		}
	}
}
