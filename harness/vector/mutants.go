package vector

import (
	"context"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/app"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Finding kinds of the vector properties.
const (
	// KindVectorRead: a tenant's call returned a record, id or count of
	// another tenant.
	KindVectorRead harness.Kind = "cross-tenant-vector-read"
	// KindVectorWrite: a tenant's write changed, removed or took over
	// another tenant's records.
	KindVectorWrite harness.Kind = "cross-tenant-vector-write"
	// KindSQLVectorMismatch: SQL and the vector store disagree on what a
	// tenant sees (a chunk without its vector, a vector without its chunk).
	KindSQLVectorMismatch harness.Kind = "sql-vector-mismatch"
)

// Mutant is a seeded defect of the repository: the reference with one
// scoping step done the way real applications get it wrong. Each must be
// found, with a replayable finding of its Kind.
type Mutant struct {
	Name  string
	Entry int          // the docs/leaks.md entry it stands for
	Modes []app.Mode   // the modes the defect can live in
	Kind  harness.Kind // the finding it must produce
	// Property is the property that must find it; empty: the one whose
	// oracle reports Kind (vector-read-isolation for a read, and so on).
	Property string
	Doc      string
	apply    func(r *app.Repository)
}

func (m *Mutant) String() string { return m.Name }

// Applies reports whether the defect can live in the mode.
func (m *Mutant) Applies(mode Mode) bool {
	for _, x := range m.Modes {
		if x == mode {
			return true
		}
	}
	return false
}

// Mutants is the registry, sorted by name.
var Mutants = []*Mutant{
	{
		Name: "caller-metadata-override", Entry: 36, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorRead,
		Doc: "the tenant field is set before the caller's metadata is copied over it, so a caller that sends tenant_id files its record under another tenant, who then finds it",
		apply: func(r *app.Repository) {
			key := r.TenantKey
			r.Tag = func(t string, md store.Metadata) store.Metadata {
				out := store.Metadata{key: t}
				for k, v := range md {
					out[k] = v
				}
				return out
			}
		},
	},
	{
		Name: "default-namespace-fallback", Entry: 32, Modes: []app.Mode{app.NamespacePerTenant}, Kind: KindVectorRead,
		Doc: "the namespace is tenant_ plus the tenant id stripped to the characters the developer thought safe; an id with none of them (or no tenant at all) gives \"\", which the client sends to the default namespace, shared with legacy records and other such tenants (also entry 37)",
		apply: func(r *app.Repository) {
			r.Namespace = func(t string, _ app.Op) (string, error) {
				s := strings.Map(func(c rune) rune {
					if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
						return c
					}
					return -1
				}, t)
				if s == "" {
					return "", nil
				}
				return "tenant_" + s, nil
			}
		},
	},
	{
		Name: "delete-ids-every-namespace", Entry: 34, Modes: []app.Mode{app.NamespacePerTenant}, Kind: KindVectorWrite,
		Doc: "delete by ids sweeps every namespace (code shared with an erasure job that removes an id \"wherever it lives, so no orphan remains\"): " +
			"the caller's ids are scoped to its namespace, but ids are unique per namespace only, so another tenant's record with the same id goes too. " +
			"Reads are untouched: only vector-write-isolation's digests see it",
		apply: func(r *app.Repository) { r.Store = sweepingDeletes{r.Store} },
	},
	{
		Name: "empty-tenant-filter", Entry: 31, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorRead,
		Doc: "the tenant filter is $in over the caller's partitions; a request without a tenant has none, and an empty list becomes an empty filter, which matches every tenant",
		apply: func(r *app.Repository) {
			key := r.TenantKey
			r.Namespace = func(string, app.Op) (string, error) { return app.SharedNamespaceName, nil }
			r.TenantFilter = func(t string) (store.Filter, error) {
				var parts []any
				if t != "" {
					parts = append(parts, t)
				}
				if len(parts) == 0 {
					return store.Filter{}, nil
				}
				return store.Filter{key: map[string]any{"$in": parts}}, nil
			}
		},
	},
	{
		Name: "filter-dropped", Entry: 31, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorRead,
		Doc: "when the caller sends a filter, it replaces the tenant filter instead of being AND-ed with it",
		apply: func(r *app.Repository) {
			r.Compose = func(tenant, caller store.Filter) store.Filter {
				if len(caller) > 0 {
					return caller
				}
				return tenant
			}
		},
	},
	{
		Name: "namespace-case-folded", Entry: 37, Modes: []app.Mode{app.NamespacePerTenant}, Kind: KindVectorRead,
		Doc: "the namespace is tenant_ plus the tenant id lower-cased and trimmed (\"namespaces are case-insensitive anyway\"): tenants whose ids differ only by case or surrounding spaces share one namespace",
		apply: func(r *app.Repository) {
			r.Namespace = func(t string, _ app.Op) (string, error) {
				return app.NamespaceOf(strings.ToLower(strings.TrimSpace(t))), app.CheckTenant(t)
			}
		},
	},
	{
		Name: "nin-tenant-filter", Entry: 35, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorRead,
		Doc: "the tenant filter excludes the other tenants the repository knows ($nin) instead of requiring the caller's own: records without the tenant field (legacy data) pass it, as do tenants it has not met",
		apply: func(r *app.Repository) {
			key := r.TenantKey
			seen := map[string]bool{}
			tag := r.Tag
			r.Tag = func(t string, md store.Metadata) store.Metadata { seen[t] = true; return tag(t, md) }
			r.TenantFilter = func(t string) (store.Filter, error) {
				if err := app.CheckTenant(t); err != nil {
					return nil, err
				}
				var others []string
				for k := range seen {
					if k != t {
						others = append(others, k)
					}
				}
				if len(others) == 0 {
					return store.Filter{key: map[string]any{"$ne": ""}}, nil
				}
				sort.Strings(others)
				list := make([]any, len(others))
				for i, o := range others {
					list[i] = o
				}
				return store.Filter{key: map[string]any{"$nin": list}}, nil
			}
		},
	},
	{
		Name: "stale-namespace", Entry: 34, Modes: []app.Mode{app.NamespacePerTenant}, Kind: KindVectorRead,
		Doc: "the repository keeps one index connection and switches its namespace on writes only: fetch, update and delete by id run in whatever namespace the last write left, so they reach another tenant's record with the same id",
		apply: func(r *app.Repository) {
			ref := r.Namespace
			last := ""
			r.Namespace = func(t string, op app.Op) (string, error) {
				ns, err := ref(t, op)
				switch {
				case err != nil:
					return "", err
				case op == app.OpWrite:
					last = ns
				case op == app.OpByID && last != "":
					return last, nil
				}
				return ns, nil
			}
		},
	},
	{
		Name: "text-hash-dedupe", Entry: 49, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorWrite,
		Doc: "uploads are deduplicated by their text: before an upsert the repository looks the text up in the index, without the tenant filter (\"an embedding is an embedding\"), and writes over the record it finds; a tenant that uploads a text another tenant already holds (the same public document) overwrites that tenant's record with its own",
		apply: func(r *app.Repository) {
			r.Reuse = func(ctx context.Context, s store.Store, ns, _ string, d app.Doc) (string, error) {
				text, ok := d.Metadata[generators.VectorTextKey].(string)
				if !ok || len(d.Values) == 0 {
					return "", nil
				}
				ms, err := s.Query(ctx, ns, store.Query{Vector: d.Values, TopK: 1, Filter: store.Filter{generators.VectorTextKey: map[string]any{"$eq": text}}})
				if err != nil || len(ms) == 0 {
					return "", err
				}
				return ms[0].ID, nil
			}
		},
	},
	{
		Name: "trusted-store-ids", Entry: 34, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorRead,
		Doc: "fetch, update and delete by id take an id that already looks scoped (it holds the tenant separator) as a store id without re-scoping it: a caller that learned another tenant's store id reaches that record",
		apply: func(r *app.Repository) {
			ref := r.StoredID
			r.StoredID = func(t, id string, op app.Op) (string, error) {
				if op == app.OpByID && strings.Contains(id, "/") {
					return id, app.CheckTenant(t)
				}
				return ref(t, id, op)
			}
		},
	},
	{
		Name: "unscoped-ids", Entry: 33, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorWrite,
		Doc: "record ids are stored as the caller sends them, without the tenant prefix: ids are unique per namespace only, so one tenant's upsert of doc-1 overwrites another's (and fetch by id returns it)",
		apply: func(r *app.Repository) {
			r.StoredID = func(t, id string, _ app.Op) (string, error) {
				if err := app.CheckTenant(t); err != nil {
					return "", err
				}
				return app.Escape(id), app.CheckID(id)
			}
			r.StoredPrefix = func(t, p string) (string, error) { return app.Escape(p), app.CheckTenant(t) }
		},
	},
	{
		Name: "upsert-default-namespace", Entry: 32, Modes: []app.Mode{app.NamespacePerTenant}, Kind: KindSQLVectorMismatch,
		Doc: "the write path builds its own index handle and never passes the namespace: upserts (and deletes by filter) land in the default namespace, while reads and fetches go to the tenant's, so the vector of every chunk a tenant sees in SQL is missing for it (and the default namespace collects every tenant's vectors)",
		apply: func(r *app.Repository) {
			ref := r.Namespace
			r.Namespace = func(t string, op app.Op) (string, error) {
				ns, err := ref(t, op)
				if err == nil && op == app.OpWrite {
					return app.SharedNamespaceName, nil
				}
				return ns, err
			}
		},
	},
	{
		Name: "uri-ids-unscoped", Entry: 34, Modes: []app.Mode{app.SharedNamespace}, Kind: KindVectorRead, Property: "vector-sql-agreement",
		Doc: "ids holding a ':' are taken for external references (s3:bucket/key, gdrive:abc), unique already, and stored " +
			"without the tenant prefix: any tenant that names such an id reaches the record. The vector worlds' ids never hold " +
			"one; the chunks' vector_id values of a SQL world do, so only vector-sql-agreement (another tenant fetching a " +
			"tenant's chunk vectors) finds it",
		apply: func(r *app.Repository) {
			ref := r.StoredID
			r.StoredID = func(t, id string, op app.Op) (string, error) {
				if strings.Contains(id, ":") {
					if err := app.CheckTenant(t); err != nil {
						return "", err
					}
					return app.Escape(id), app.CheckID(id)
				}
				return ref(t, id, op)
			}
		},
	},
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

// sweepingDeletes is the store as the delete-ids-every-namespace mutant's
// repository uses it: a delete by ids runs in the namespace asked for,
// then in every other namespace of the index.
type sweepingDeletes struct{ store.Store }

func (s sweepingDeletes) DeleteIDs(ctx context.Context, ns string, ids []string) error {
	if err := s.Store.DeleteIDs(ctx, ns, ids); err != nil {
		return err
	}
	names, err := s.Store.Namespaces(ctx)
	if err != nil {
		return err
	}
	for _, other := range names {
		if store.CanonNamespace(other) == store.CanonNamespace(ns) {
			continue
		}
		if err := s.Store.DeleteIDs(ctx, other, ids); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	return nil
}
