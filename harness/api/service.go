package api

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ClaimTenant is the JWT claim that names the tenant.
const ClaimTenant = "tenant_id"

// HeaderTenant is the header a client may send to name a tenant; the
// reference service ignores it.
const HeaderTenant = "X-Tenant-Id"

// ErrUnauthorized marks a request whose credential is missing or invalid
// (401).
var ErrUnauthorized = errors.New("unauthorized")

// Document is a documents row as the service returns it.
type Document struct {
	ID       string  `json:"id"`
	TenantID string  `json:"tenant_id"`
	UserID   *string `json:"user_id"`
	Title    string  `json:"title"`
	Content  *string `json:"content"`
	DocType  *string `json:"doc_type"`
}

// NewDocument is the body of POST /documents. TenantID is accepted only
// when it names the caller's own tenant.
type NewDocument struct {
	Title    string  `json:"title"`
	Content  *string `json:"content,omitempty"`
	DocType  *string `json:"doc_type,omitempty"`
	TenantID *string `json:"tenant_id,omitempty"`
}

// Hooks are the steps of serving a request, as fields, so that mutants
// replace one step and keep the others.
type Hooks struct {
	// Tenant derives the caller's tenant id from the request (reference:
	// the verified tenant_id claim of the bearer token).
	Tenant func(s *Service, r *http.Request) (string, error)
	// Live reports whether the token's tenant still exists (reference: a
	// tenants row with its id, looked up by the control plane).
	Live func(ctx context.Context, s *Service, tenant string) (bool, error)
	// Host picks the tenant a request is served as from its Host and the
	// token's tenant (reference: HostTenant): the token's tenant for a
	// host outside the zone, the slug's tenant for a host under it, which
	// must be the token's; a status (404, 403) when it refuses.
	Host func(ctx context.Context, s *Service, host, claim string) (string, int)
	// Get fetches one document by id for the tenant (reference: in a
	// transaction of the application role with the tenant's context).
	Get func(ctx context.Context, s *Service, tenant, id string) (*Document, error)
	// CreateTenant decides the tenant a new document is created for and
	// whose context the insert runs in (reference: the caller's; a body
	// naming another tenant is ErrForbidden).
	CreateTenant func(caller string, body *NewDocument) (string, error)
	// SetContext is the SQL that sets the tenant context inside each
	// request's transaction, $1 the tenant id (reference: the schema's own
	// set_tenant($1::uuid), transaction-local).
	SetContext string
	// Wrap, when set, wraps the service's handler (reference: nil).
	Wrap func(http.Handler) http.Handler
}

// ErrForbidden marks a request the caller may not make (403).
var ErrForbidden = errors.New("forbidden")

// Reference returns the reference steps.
func Reference() Hooks {
	return Hooks{
		Tenant: func(s *Service, r *http.Request) (string, error) { return s.VerifiedTenant(r) },
		Live: func(ctx context.Context, s *Service, tenant string) (bool, error) {
			var ok bool
			err := s.Owner.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1::uuid)", tenant).Scan(&ok)
			return ok, err
		},
		Host: HostTenant,
		Get: func(ctx context.Context, s *Service, tenant, id string) (*Document, error) {
			var d *Document
			err := s.InTenant(ctx, tenant, func(tx pgx.Tx) error {
				var err error
				d, err = scanOne(tx.QueryRow(ctx, selectDocs+" WHERE id = $1", id))
				return err
			})
			return d, err
		},
		CreateTenant: func(caller string, body *NewDocument) (string, error) {
			if body.TenantID != nil && !strings.EqualFold(*body.TenantID, caller) {
				return "", fmt.Errorf("%w: the body names another tenant", ErrForbidden)
			}
			return caller, nil
		},
		SetContext: "SELECT set_tenant($1::uuid)",
	}
}

// Service is the reference API service (or a mutant's variant of it).
type Service struct {
	// App is the application role's pool: every tenant request runs here.
	App *pgxpool.Pool
	// Owner is a privileged pool the reference uses only for the control
	// plane (does the token's tenant exist, which tenant has this slug),
	// never for tenant data; the IDOR mutant does.
	Owner *pgxpool.Pool
	// Key is the HS256 key tokens are signed with.
	Key []byte
	// Public is the RS256 public key (nil: RS256 tokens are refused).
	Public *rsa.PublicKey
	// Zone is the domain whose subdomains name tenants by slug (default
	// DefaultZone): acme.myapp.test is the tenant with slug acme.
	Zone  string
	Hooks Hooks
}

// VerifiedTenant reads the tenant from the bearer token: HS256 with Key or
// RS256 with Public, nothing else (no alg none, and the key is chosen by
// the verifier, never by the token: an HS256 token signed with the public
// key fails), exp required and honoured, nbf honoured, the claim a
// non-empty string.
func (s *Service) VerifiedTenant(r *http.Request) (string, error) {
	return verify(s, r, s.keyFor, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg(), jwt.SigningMethodRS256.Alg()}), jwt.WithExpirationRequired())
}

// keyFor is the reference key function: the HS256 secret for HS256, the
// RS256 public key for RS256.
func (s *Service) keyFor(t *jwt.Token) (any, error) {
	switch t.Method {
	case jwt.SigningMethodHS256:
		return s.Key, nil
	case jwt.SigningMethodRS256:
		if s.Public == nil {
			return nil, fmt.Errorf("no RS256 key")
		}
		return s.Public, nil
	}
	return nil, fmt.Errorf("unexpected algorithm %v", t.Header["alg"])
}

// verify parses the bearer token with the key function and parser
// options given and returns its tenant claim.
func verify(_ *Service, r *http.Request, key jwt.Keyfunc, opts ...jwt.ParserOption) (string, error) {
	raw, ok := bearer(r)
	if !ok {
		return "", fmt.Errorf("%w: no bearer token", ErrUnauthorized)
	}
	tok, err := jwt.Parse(raw, key, opts...)
	if err != nil || !tok.Valid {
		return "", fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	return tenantClaim(tok)
}

func tenantClaim(tok *jwt.Token) (string, error) {
	claims, ok := tok.Claims.(jwt.MapClaims)
	if !ok {
		return "", fmt.Errorf("%w: unexpected claims", ErrUnauthorized)
	}
	id, ok := claims[ClaimTenant].(string)
	if !ok || id == "" {
		return "", fmt.Errorf("%w: no %s claim", ErrUnauthorized, ClaimTenant)
	}
	return id, nil
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// InTenant runs f in a transaction of the application role whose context
// is the tenant, set by Hooks.SetContext with a bind parameter (the
// reference: the schema's own setter, transaction-local, so it ends with
// the transaction).
func (s *Service) InTenant(ctx context.Context, tenant string, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.App, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, s.Hooks.SetContext, tenant); err != nil {
			return err
		}
		return f(tx)
	})
}

const selectDocs = "SELECT id::text, tenant_id::text, user_id::text, title, content, doc_type FROM documents"

func scanOne(row pgx.Row) (*Document, error) {
	var d Document
	if err := row.Scan(&d.ID, &d.TenantID, &d.UserID, &d.Title, &d.Content, &d.DocType); err != nil {
		return nil, err
	}
	return &d, nil
}
