package api

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

// deploymentMutants are the service defects of how it is deployed and run
// rather than how one request is handled: subdomain tenancy, RS256 keys,
// pooled connections, response caches and deleted tenants.
var deploymentMutants = []*Mutant{
	{
		Name: "alg-confusion", Entry: 44, Property: "api-isolation", Kinds: []harness.Kind{KindAuthBypass, KindCrossTenantRead, KindCrossTenantWrite},
		Doc: "the verifier is handed the RS256 public key and lets the token's alg decide how to use it: an HS256 token " +
			"signed with the public key (which anyone has) as its HMAC secret verifies, claiming any tenant",
		service: func(s *Service) {
			s.Hooks.Tenant = func(s *Service, r *http.Request) (string, error) {
				return verify(s, r, func(t *jwt.Token) (any, error) {
					if t.Method == jwt.SigningMethodHS256 && s.Public != nil {
						der, err := x509.MarshalPKIXPublicKey(s.Public)
						if err != nil {
							return nil, err
						}
						return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
					}
					return s.keyFor(t)
				}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg(), jwt.SigningMethodRS256.Alg()}), jwt.WithExpirationRequired())
			}
		},
	},
	{
		Name: "deleted-tenant-honoured", Entry: 56, Property: "api-isolation", Kinds: []harness.Kind{KindAuthBypass},
		Doc: "the token is verified but the service never asks whether its tenant still exists: a deleted tenant's " +
			"token, valid until it expires, is still served",
		service: func(s *Service) {
			s.Hooks.Live = func(context.Context, *Service, string) (bool, error) { return true, nil }
		},
	},
	{
		Name: "path-cache", Entry: 55, Property: "api-isolation", Kinds: []harness.Kind{KindCrossTenantRead, KindAuthBypass},
		Doc: "GET responses are cached by path alone (no tenant, no credential, no Host in the key) in front of the " +
			"handlers: the next tenant to ask for /documents gets the first one's list, and so does a caller with no valid token",
		service: func(s *Service) { s.Hooks.Wrap = pathCache },
	},
	{
		Name: "session-set-tenant", Entry: 54, Property: "api-isolation", Kinds: []harness.Kind{KindContextLeak},
		Doc: "the founding guide's own set_tenant, set_config('app.tenant_id', $1, false): the context is session-level, " +
			"so it outlives the request's transaction on the pooled connection and the next request on it starts as " +
			"the previous tenant",
		service: func(s *Service) { s.Hooks.SetContext = "SELECT set_config('app.tenant_id', $1, false)" },
	},
	{
		Name: "subdomain-case", Entry: 53, Property: "api-isolation", Kinds: []harness.Kind{KindCrossTenantRead, KindCrossTenantWrite},
		Doc: "the check that the token's tenant is the Host's compares the Host as sent, case-sensitively, against the " +
			"registered host, and skips hosts it does not recognise; the tenant lookup folds case as DNS does: " +
			"ACME-2.myapp.test with tenant 1's token is served as tenant 2",
		service: func(s *Service) {
			s.Hooks.Host = bentGuard(func(raw, canonical string) bool { return raw == canonical })
		},
	},
	{
		Name: "subdomain-port", Entry: 53, Property: "api-isolation", Kinds: []harness.Kind{KindCrossTenantRead, KindCrossTenantWrite},
		Doc: "the check that the token's tenant is the Host's matches the Host with its port, so acme-2.myapp.test:443 is " +
			"no registered host and is not checked; the lookup strips the port: tenant 1's token is served as tenant 2",
		service: func(s *Service) {
			s.Hooks.Host = bentGuard(func(raw, _ string) bool { return !strings.Contains(raw, ":") })
		},
	},
}

// bentGuard is a Host step whose binding check (the token's tenant must be
// the Host's) runs only for hosts guarded reports true for, while the
// lookup canonicalises every host: a bent spelling of another tenant's
// host skips the check and is served as that tenant.
func bentGuard(guarded func(raw, canonical string) bool) func(ctx context.Context, s *Service, host, claim string) (string, int) {
	return func(ctx context.Context, s *Service, host, claim string) (string, int) {
		h, err := router.CanonicalHost(host)
		if err != nil {
			return "", http.StatusNotFound
		}
		slug, ok := router.WildcardSlug(h, s.zone())
		if !ok {
			return HostTenant(ctx, s, host, claim)
		}
		id, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			return "", http.StatusNotFound
		}
		if guarded(host, h) && id != claim {
			return "", http.StatusForbidden
		}
		return id, 0
	}
}

// pathCache caches 200 answers to GET by the URL path alone.
func pathCache(next http.Handler) http.Handler {
	var mu sync.Mutex
	cache := map[string][]byte{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		body, ok := cache[r.URL.Path]
		mu.Unlock()
		if ok {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Cache", "hit")
			_, _ = w.Write(body)
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			mu.Lock()
			cache[r.URL.Path] = rec.body.Bytes()
			mu.Unlock()
		}
	})
}

// recorder passes a response through and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
