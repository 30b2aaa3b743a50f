package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

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
	// Get fetches one document by id for the tenant (reference: in a
	// transaction of the application role with the tenant's context).
	Get func(ctx context.Context, s *Service, tenant, id string) (*Document, error)
	// CreateTenant decides the tenant a new document is created for and
	// whose context the insert runs in (reference: the caller's; a body
	// naming another tenant is ErrForbidden).
	CreateTenant func(caller string, body *NewDocument) (string, error)
}

// ErrForbidden marks a request the caller may not make (403).
var ErrForbidden = errors.New("forbidden")

// Reference returns the reference steps.
func Reference() Hooks {
	return Hooks{
		Tenant: func(s *Service, r *http.Request) (string, error) { return s.VerifiedTenant(r) },
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
	}
}

// Service is the reference API service (or a mutant's variant of it).
type Service struct {
	// App is the application role's pool: every tenant request runs here.
	App *pgxpool.Pool
	// Owner is a privileged pool the reference never uses for tenant
	// requests (migrations, the control plane); the IDOR mutant does.
	Owner *pgxpool.Pool
	// Key is the HS256 key tokens are signed with.
	Key   []byte
	Hooks Hooks
}

// VerifiedTenant reads the tenant from the bearer token: HS256 only (no
// alg none, no other algorithm), signature verified with Key, exp
// required and honoured, nbf honoured, the claim a non-empty string.
func (s *Service) VerifiedTenant(r *http.Request) (string, error) {
	return verify(s, r, func(*jwt.Token) (any, error) { return s.Key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired())
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
// is the tenant, set by the schema's own setter with a bind parameter
// (transaction-local: it ends with the transaction).
func (s *Service) InTenant(ctx context.Context, tenant string, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.App, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_tenant($1::uuid)", tenant); err != nil {
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

// Handler routes GET /documents, GET /documents/{id} and POST /documents.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /documents", s.list)
	mux.HandleFunc("GET /documents/{id}", s.get)
	mux.HandleFunc("POST /documents", s.create)
	return mux
}

func (s *Service) tenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, err := s.Hooks.Tenant(s, r)
	if err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return "", false
	}
	if !isUUID(id) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return "", false
	}
	return id, true
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	docs := []*Document{}
	err := s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(r.Context(), selectDocs+" ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanOne(rows)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		return rows.Err()
	})
	reply(w, http.StatusOK, docs, err)
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !isUUID(id) {
		http.NotFound(w, r)
		return
	}
	d, err := s.Hooks.Get(r.Context(), s, tenant, id)
	if errors.Is(err, pgx.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	if errors.Is(err, ErrForbidden) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	reply(w, http.StatusOK, d, err)
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	var nd NewDocument
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&nd); err != nil || nd.Title == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	tenant, err := s.Hooks.CreateTenant(tenant, &nd)
	if err != nil || !isUUID(tenant) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var d *Document
	err = s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		var err error
		d, err = scanOne(tx.QueryRow(r.Context(),
			"INSERT INTO documents (id, tenant_id, title, content, doc_type) VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4) "+
				"RETURNING id::text, tenant_id::text, user_id::text, title, content, doc_type", tenant, nd.Title, nd.Content, nd.DocType))
		return err
	})
	reply(w, http.StatusCreated, d, err)
}

func reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Server is a service listening on loopback.
type Server struct {
	URL string // http://127.0.0.1:PORT
	srv *http.Server
	ln  net.Listener
}

// Start serves s on a free loopback port until Close.
func Start(s *Service) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start api service: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Server{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops the server and waits for its requests to end.
func (sv *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = sv.srv.Shutdown(ctx)
}
