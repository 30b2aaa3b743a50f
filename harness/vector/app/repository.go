package app

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Doc is a record as the application's callers see it.
type Doc struct {
	ID       string
	Values   []float32
	Metadata store.Metadata
}

// Hit is a search result.
type Hit struct {
	Doc
	Score float32
}

// Search is a caller's query: by vector or by the id of one of its
// records, with its own filter and top_k.
type Search struct {
	Vector          []float32
	ID              string
	TopK            int
	Filter          store.Filter
	IncludeValues   bool
	IncludeMetadata bool
}

// Repository is the tenant-scoped vector repository. Every method takes
// the caller's tenant id, as the application derives it from the request.
type Repository struct {
	Store     store.Store
	Mode      Mode
	TenantKey string // metadata field of the tenant (shared mode)
	Scoping
	// Reuse, when set, is the application's deduplication of uploads: the
	// stored id an upsert of d into ns should write to instead of its own
	// ("" for its own). The reference has none: every tenant's upload is
	// its own record, however many tenants upload the same text.
	Reuse func(ctx context.Context, s store.Store, ns, tenant string, d Doc) (string, error)
}

// New returns the reference repository of a mode.
func New(s store.Store, mode Mode, tenantKey string) *Repository {
	if tenantKey == "" {
		tenantKey = "tenant_id"
	}
	return &Repository{Store: s, Mode: mode, TenantKey: tenantKey, Scoping: Reference(mode, tenantKey)}
}

func (r *Repository) filter(tenant string, caller store.Filter) (store.Filter, error) {
	if r.TenantFilter == nil {
		return r.Compose(nil, caller), nil
	}
	tf, err := r.TenantFilter(tenant)
	if err != nil {
		return nil, err
	}
	return r.Compose(tf, caller), nil
}

func (r *Repository) storedIDs(tenant string, ids []string, op Op) ([]string, map[string]string, error) {
	out := make([]string, len(ids))
	back := map[string]string{}
	for i, id := range ids {
		sid, err := r.StoredID(tenant, id, op)
		if err != nil {
			return nil, nil, err
		}
		out[i] = sid
		back[sid] = id
	}
	return out, back, nil
}

// Upsert writes the tenant's documents.
func (r *Repository) Upsert(ctx context.Context, tenant string, docs []Doc) error {
	ns, err := r.Namespace(tenant, OpWrite)
	if err != nil {
		return err
	}
	recs := make([]store.Record, len(docs))
	for i, d := range docs {
		id, err := r.StoredID(tenant, d.ID, OpWrite)
		if err != nil {
			return err
		}
		if r.Reuse != nil {
			reused, err := r.Reuse(ctx, r.Store, ns, tenant, d)
			if err != nil {
				return err
			}
			if reused != "" {
				id = reused
			}
		}
		recs[i] = store.Record{ID: id, Values: d.Values, Metadata: r.Tag(tenant, d.Metadata)}
	}
	_, err = r.Store.Upsert(ctx, ns, recs)
	return err
}

// Query searches the tenant's documents.
func (r *Repository) Query(ctx context.Context, tenant string, s Search) ([]Hit, error) {
	if s.ID == "" && len(s.Vector) == 0 {
		return nil, fmt.Errorf("%w: a query needs a vector or the id of a record", ErrInvalidID)
	}
	op := OpRead
	if s.ID != "" {
		op = OpByID
	}
	ns, err := r.Namespace(tenant, op)
	if err != nil {
		return nil, err
	}
	f, err := r.filter(tenant, s.Filter)
	if err != nil {
		return nil, err
	}
	q := store.Query{Vector: s.Vector, TopK: s.TopK, Filter: f, IncludeValues: s.IncludeValues, IncludeMetadata: s.IncludeMetadata}
	if s.ID != "" {
		if q.ID, err = r.StoredID(tenant, s.ID, OpByID); err != nil {
			return nil, err
		}
	}
	ms, err := r.Store.Query(ctx, ns, q)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, len(ms))
	for i, m := range ms {
		hits[i] = Hit{Doc: Doc{ID: r.ClientID(tenant, m.ID), Values: m.Values, Metadata: m.Metadata}, Score: m.Score}
	}
	return hits, nil
}

// Fetch returns the tenant's documents with the given ids, in request
// order, leaving out those that do not exist.
func (r *Repository) Fetch(ctx context.Context, tenant string, ids []string) ([]Doc, error) {
	ns, err := r.Namespace(tenant, OpByID)
	if err != nil {
		return nil, err
	}
	sids, back, err := r.storedIDs(tenant, ids, OpByID)
	if err != nil {
		return nil, err
	}
	got, err := r.Store.Fetch(ctx, ns, sids)
	if err != nil {
		return nil, err
	}
	var out []Doc
	seen := map[string]bool{}
	for _, sid := range sids {
		if rec, ok := got[sid]; ok && !seen[sid] {
			seen[sid] = true
			out = append(out, Doc{ID: back[sid], Values: rec.Values, Metadata: rec.Metadata})
		}
	}
	return out, nil
}

// List returns one page of the ids of the tenant's documents that start
// with prefix, and the token of the next page ("" on the last).
func (r *Repository) List(ctx context.Context, tenant, prefix string, limit int, token string) ([]string, string, error) {
	ns, err := r.Namespace(tenant, OpRead)
	if err != nil {
		return nil, "", err
	}
	p, err := r.StoredPrefix(tenant, prefix)
	if err != nil {
		return nil, "", err
	}
	pg, err := r.Store.List(ctx, ns, p, limit, token)
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(pg.IDs))
	for i, id := range pg.IDs {
		ids[i] = r.ClientID(tenant, id)
	}
	return ids, pg.Next, nil
}

// Update replaces a document's values (when given) and merges metadata.
func (r *Repository) Update(ctx context.Context, tenant, id string, values []float32, set store.Metadata) error {
	ns, err := r.Namespace(tenant, OpByID)
	if err != nil {
		return err
	}
	sid, err := r.StoredID(tenant, id, OpByID)
	if err != nil {
		return err
	}
	return r.Store.Update(ctx, ns, sid, values, r.Tag(tenant, set))
}

// Delete removes the tenant's documents with the given ids.
func (r *Repository) Delete(ctx context.Context, tenant string, ids []string) error {
	ns, err := r.Namespace(tenant, OpByID)
	if err != nil {
		return err
	}
	sids, _, err := r.storedIDs(tenant, ids, OpByID)
	if err != nil {
		return err
	}
	return ignoreNotFound(r.Store.DeleteIDs(ctx, ns, sids))
}

// DeleteWhere removes the tenant's documents that match the caller's
// filter, which must not be empty.
func (r *Repository) DeleteWhere(ctx context.Context, tenant string, caller store.Filter) error {
	if len(caller) == 0 {
		return ErrEmptyFilter
	}
	ns, err := r.Namespace(tenant, OpWrite)
	if err != nil {
		return err
	}
	f, err := r.filter(tenant, caller)
	if err != nil {
		return err
	}
	return ignoreNotFound(r.Store.DeleteFilter(ctx, ns, f))
}

// DeleteAll removes every document of the tenant: its namespace, or, in
// the shared mode, the records its tenant filter selects.
func (r *Repository) DeleteAll(ctx context.Context, tenant string) error {
	ns, err := r.Namespace(tenant, OpWrite)
	if err != nil {
		return err
	}
	if r.TenantFilter == nil {
		return ignoreNotFound(r.Store.DeleteAll(ctx, ns))
	}
	f, err := r.filter(tenant, nil)
	if err != nil {
		return err
	}
	return ignoreNotFound(r.Store.DeleteFilter(ctx, ns, f))
}

// Count returns how many documents the tenant has: its namespace's count,
// or, in the shared mode (where serverless indexes cannot filter stats),
// the ids listed under its prefix.
func (r *Repository) Count(ctx context.Context, tenant string) (int, error) {
	ns, err := r.Namespace(tenant, OpRead)
	if err != nil {
		return 0, err
	}
	if r.Mode == NamespacePerTenant {
		st, err := r.Store.Stats(ctx)
		if err != nil {
			return 0, err
		}
		return st.Namespaces[store.CanonNamespace(ns)], nil
	}
	n, token := 0, ""
	for pages := 0; ; pages++ {
		ids, next, err := r.List(ctx, tenant, "", 100, token)
		if err != nil {
			return 0, err
		}
		n += len(ids)
		if next == "" {
			return n, nil
		}
		if pages > 10000 {
			return 0, fmt.Errorf("count %s: more than 10000 pages: the store keeps returning a next token", tenant)
		}
		token = next
	}
}

func ignoreNotFound(err error) error {
	if store.IsNotFound(err) {
		return nil
	}
	return err
}
