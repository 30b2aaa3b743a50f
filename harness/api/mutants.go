package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Mutant is a seeded defect of the service: the reference with one step
// done the way real backends get it wrong. Each must be found by its
// property with one of its kinds.
type Mutant struct {
	Name     string
	Entry    int            // the docs/leaks.md entry it stands for (0: none yet)
	Property string         // the property that must find it
	Kinds    []harness.Kind // the finding kinds that kill it (the first is the expected one)
	Doc      string
	service  func(s *Service)
}

func (m *Mutant) String() string { return m.Name }

// Kills reports whether a finding of kind kills the mutant.
func (m *Mutant) Kills(kind harness.Kind) bool {
	for _, k := range m.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Apply returns the service with the mutant's defect (nil: unchanged).
func (m *Mutant) Apply(s *Service) *Service {
	if m == nil || m.service == nil {
		return s
	}
	c := *s
	m.service(&c)
	return &c
}

// Mutants is the registry, sorted by name.
var Mutants = []*Mutant{
	{
		Name: "alg-none-accepted", Entry: 44, Property: "api-isolation", Kinds: []harness.Kind{KindAuthBypass, KindCrossTenantRead, KindCrossTenantWrite},
		Doc: "the verifier takes the algorithm from the token's header and lets alg none through unsigned (the classic " +
			"JWT library misuse): a token claiming any tenant, with no signature at all, is honoured",
		service: func(s *Service) {
			s.Hooks.Tenant = func(s *Service, r *http.Request) (string, error) {
				return verify(s, r, func(t *jwt.Token) (any, error) {
					if t.Method == jwt.SigningMethodNone {
						return jwt.UnsafeAllowNoneSignatureType, nil
					}
					return s.keyFor(t)
				}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg(), jwt.SigningMethodRS256.Alg(), jwt.SigningMethodNone.Alg()}), jwt.WithExpirationRequired())
			}
		},
	},
	{
		Name: "body-tenant", Entry: 43, Property: "api-isolation", Kinds: []harness.Kind{KindCrossTenantWrite},
		Doc: "create trusts a tenant_id in the request body when present (the frontend sends the tenant id): the insert " +
			"runs in that tenant's context, so any caller writes into any tenant",
		service: func(s *Service) {
			s.Hooks.CreateTenant = func(caller string, body *NewDocument) (string, error) {
				if body.TenantID != nil {
					return *body.TenantID, nil
				}
				return caller, nil
			}
		},
	},
	{
		Name: "expiry-ignored", Entry: 44, Property: "api-isolation", Kinds: []harness.Kind{KindAuthBypass},
		Doc: "the signature is verified but the time claims are not (claims validation switched off): an expired token, " +
			"one not yet valid and one without exp are all honoured",
		service: func(s *Service) {
			s.Hooks.Tenant = func(s *Service, r *http.Request) (string, error) {
				return verify(s, r, s.keyFor,
					jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg(), jwt.SigningMethodRS256.Alg()}), jwt.WithoutClaimsValidation())
			}
		},
	},
	{
		Name: "forbidden-foreign", Entry: 45, Property: "api-isolation", Kinds: []harness.Kind{KindSideChannel},
		Doc: "get-by-id answers 403 for an id that exists in another tenant and 404 for one that exists nowhere: the " +
			"status tells a caller which ids other tenants hold",
		service: func(s *Service) {
			s.Hooks.Get = func(ctx context.Context, s *Service, tenant string, id string) (*Document, error) {
				d, err := Reference().Get(ctx, s, tenant, id)
				if !errors.Is(err, pgx.ErrNoRows) {
					return d, err
				}
				var exists bool
				if err := s.Owner.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM documents WHERE id = $1)", id).Scan(&exists); err != nil {
					return nil, err
				}
				if exists {
					return nil, ErrForbidden
				}
				return nil, pgx.ErrNoRows
			}
		},
	},
	{
		Name: "header-tenant", Entry: 43, Property: "api-isolation", Kinds: []harness.Kind{KindCrossTenantRead, KindCrossTenantWrite},
		Doc: "the founding guide's common error: the token is verified, but an X-Tenant-Id header the client sends names the " +
			"tenant when present (the frontend sends the tenant id), so any caller reads and writes any tenant",
		service: func(s *Service) {
			s.Hooks.Tenant = func(s *Service, r *http.Request) (string, error) {
				own, err := s.VerifiedTenant(r)
				if err != nil {
					return "", err
				}
				if h := r.Header.Get(HeaderTenant); h != "" {
					return h, nil
				}
				return own, nil
			}
		},
	},
	{
		Name: "idor-get", Entry: 52, Property: "api-isolation", Kinds: []harness.Kind{KindCrossTenantRead},
		Doc: "get-by-id skips the tenant context: the handler fetches the document by its id alone through the service's " +
			"privileged connection (the table owner's, as the guide's admin code paths do), so an id of another tenant's " +
			"document returns it (IDOR)",
		service: func(s *Service) {
			s.Hooks.Get = func(ctx context.Context, s *Service, _ string, id string) (*Document, error) {
				return scanOne(s.Owner.QueryRow(ctx, selectDocs+" WHERE id = $1", id))
			}
		},
	},
	{
		Name: "unverified-jwt", Entry: 44, Property: "api-isolation", Kinds: []harness.Kind{KindAuthBypass, KindCrossTenantRead, KindCrossTenantWrite},
		Doc: "the JWT is decoded but its signature is never verified (jwt.ParseUnverified, jwt.decode(verify=False)): alg none, " +
			"a wrong key, a rewritten claim and an expired token are all honoured",
		service: func(s *Service) {
			s.Hooks.Tenant = func(_ *Service, r *http.Request) (string, error) {
				raw, ok := bearer(r)
				if !ok {
					return "", fmt.Errorf("%w: no bearer token", ErrUnauthorized)
				}
				tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
				if err != nil {
					return "", fmt.Errorf("%w: %v", ErrUnauthorized, err)
				}
				return tenantClaim(tok)
			}
		},
	},
}

// The mutants of the second slice (subdomain tenancy, RS256, the pool, the
// cache, deleted tenants), in name order with the first slice's above.
func init() {
	Mutants = append(Mutants, deploymentMutants...)
	slices.SortFunc(Mutants, func(a, b *Mutant) int { return strings.Compare(a.Name, b.Name) })
}

// MutantByName returns the named mutant, or nil.
func MutantByName(name string) *Mutant {
	for _, m := range Mutants {
		if m.Name == name {
			return m
		}
	}
	return nil
}
