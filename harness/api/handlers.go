package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"
)

// Chunk is a document_chunks row as the service returns it.
type Chunk struct {
	ID         string `json:"id"`
	TenantID   string `json:"tenant_id"`
	DocumentID string `json:"document_id"`
	Index      int    `json:"chunk_index"`
	Body       string `json:"body"`
}

// DocumentPatch is the body of PATCH /documents/{id}.
type DocumentPatch struct {
	Title   *string `json:"title,omitempty"`
	Content *string `json:"content,omitempty"`
}

// Handler routes the service's endpoints:
//
//	GET    /documents                 the caller's documents
//	GET    /documents/{id}            one document (404 when the caller cannot see it)
//	POST   /documents                 create (201; 403 for a body naming another tenant)
//	PATCH  /documents/{id}            update title/content (200; 404)
//	DELETE /documents/{id}            delete with its chunks (204; 404)
//	GET    /documents/{id}/chunks     the document's chunks (404 when the document is not visible)
//	GET    /chunks/{id}               one chunk by id (404)
//	GET    /search?q=TEXT             documents whose title or content holds TEXT
//
// Every one derives the tenant first (401 for a bad credential, 404/403
// for a Host that names no tenant or another one).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /documents", s.list)
	mux.HandleFunc("GET /documents/{id}", s.get)
	mux.HandleFunc("POST /documents", s.create)
	mux.HandleFunc("PATCH /documents/{id}", s.update)
	mux.HandleFunc("DELETE /documents/{id}", s.remove)
	mux.HandleFunc("GET /documents/{id}/chunks", s.chunksOf)
	mux.HandleFunc("GET /chunks/{id}", s.chunk)
	mux.HandleFunc("GET /search", s.search)
	if s.Hooks.Wrap != nil {
		return s.Hooks.Wrap(mux)
	}
	return mux
}

// tenant resolves the tenant the request is served as, or answers the
// refusal and returns false.
func (s *Service) tenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	claim, err := s.Hooks.Tenant(s, r)
	if err != nil || !isUUID(claim) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return "", false
	}
	live, err := s.Hooks.Live(r.Context(), s, claim)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return "", false
	}
	if !live {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return "", false
	}
	id, status := s.Hooks.Host(r.Context(), s, r.Host, claim)
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return "", false
	}
	return id, true
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	docs, err := s.queryDocs(r, tenant, selectDocs+" ORDER BY id")
	reply(w, http.StatusOK, docs, err)
}

func (s *Service) search(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	q := r.URL.Query().Get("q")
	docs, err := s.queryDocs(r, tenant, selectDocs+" WHERE strpos(title, $1) > 0 OR strpos(coalesce(content, ''), $1) > 0 ORDER BY id", q)
	reply(w, http.StatusOK, docs, err)
}

func (s *Service) queryDocs(r *http.Request, tenant, sql string, args ...any) ([]*Document, error) {
	docs := []*Document{}
	err := s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(r.Context(), sql, args...)
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
	return docs, err
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
	if errors.Is(err, ErrForbidden) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	replyOne(w, r, http.StatusOK, d, err)
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

func (s *Service) update(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var p DocumentPatch
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&p); err != nil || !isUUID(id) {
		http.NotFound(w, r)
		return
	}
	var d *Document
	err := s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		var err error
		d, err = scanOne(tx.QueryRow(r.Context(),
			"UPDATE documents SET title = coalesce($2, title), content = coalesce($3, content) WHERE id = $1 "+
				"RETURNING id::text, tenant_id::text, user_id::text, title, content, doc_type", id, p.Title, p.Content))
		return err
	})
	replyOne(w, r, http.StatusOK, d, err)
}

func (s *Service) remove(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !isUUID(id) {
		http.NotFound(w, r)
		return
	}
	var n int64
	err := s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		if _, err := tx.Exec(r.Context(), "DELETE FROM document_chunks WHERE document_id = $1", id); err != nil {
			return err
		}
		tag, err := tx.Exec(r.Context(), "DELETE FROM documents WHERE id = $1", id)
		n = tag.RowsAffected()
		return err
	})
	switch {
	case err != nil:
		http.Error(w, "internal error", http.StatusInternalServerError)
	case n == 0:
		http.NotFound(w, r)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

const selectChunks = "SELECT id::text, tenant_id::text, document_id::text, chunk_index, body FROM document_chunks"

func (s *Service) chunksOf(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !isUUID(id) {
		http.NotFound(w, r)
		return
	}
	var chunks []*Chunk
	err := s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		var seen bool
		if err := tx.QueryRow(r.Context(), "SELECT EXISTS (SELECT 1 FROM documents WHERE id = $1)", id).Scan(&seen); err != nil || !seen {
			if err == nil {
				err = pgx.ErrNoRows
			}
			return err
		}
		var err error
		chunks, err = queryChunks(r, tx, selectChunks+" WHERE document_id = $1 ORDER BY chunk_index", id)
		return err
	})
	replyOne(w, r, http.StatusOK, chunks, err)
}

func (s *Service) chunk(w http.ResponseWriter, r *http.Request) {
	tenant, ok := s.tenant(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !isUUID(id) {
		http.NotFound(w, r)
		return
	}
	var c []*Chunk
	err := s.InTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		var err error
		c, err = queryChunks(r, tx, selectChunks+" WHERE id = $1", id)
		if err == nil && len(c) == 0 {
			err = pgx.ErrNoRows
		}
		return err
	})
	if err != nil {
		replyOne(w, r, http.StatusOK, nil, err)
		return
	}
	reply(w, http.StatusOK, c[0], nil)
}

func queryChunks(r *http.Request, tx pgx.Tx, sql string, args ...any) ([]*Chunk, error) {
	out := []*Chunk{}
	rows, err := tx.Query(r.Context(), sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.ID, &c.TenantID, &c.DocumentID, &c.Index, &c.Body); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// replyOne answers a request for one object: 404 when the caller cannot
// see it (exactly as when it exists nowhere), else as reply.
func replyOne(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if errors.Is(err, pgx.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	reply(w, status, v, err)
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
