package fake

import (
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Index is one fake serverless index: namespaces of records, a dimension
// and a metric. Its methods implement the VectorService calls; errors are
// gRPC status errors.
type Index struct {
	mu     sync.Mutex
	dim    int
	metric string
	ns     map[string]*namespace // by canonical name
}

type namespace struct {
	recs     map[string]*record
	explicit bool // made by CreateNamespace: kept when it empties
}

type record struct {
	id     string
	values []float32
	sparse *wireSparse
	meta   map[string]any
}

func newIndex(dim int, metric string) *Index {
	return &Index{dim: dim, metric: metric, ns: map[string]*namespace{}}
}

// Reset removes every namespace.
func (x *Index) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ns = map[string]*namespace{}
}

func (r *record) wire(values, meta bool) wireVector {
	v := wireVector{ID: r.id}
	if values {
		v.Values = append([]float32(nil), r.values...)
		v.Sparse = r.sparse
	}
	if meta && len(r.meta) > 0 {
		v.Metadata = copyMeta(r.meta)
	}
	return v
}

func copyMeta(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if l, ok := v.([]any); ok {
			v = append([]any(nil), l...)
		}
		out[k] = v
	}
	return out
}

// lookup returns a namespace, nil when it does not exist.
func (x *Index) lookup(name string) *namespace { return x.ns[canonNamespace(name)] }

// gc drops a namespace that upserts created once its last record is gone.
func (x *Index) gc(name string) {
	if n := x.ns[name]; n != nil && len(n.recs) == 0 && !n.explicit {
		delete(x.ns, name)
	}
}

// Upsert inserts or replaces records; a namespace is created on first use.
func (x *Index) Upsert(req *upsertRequest) (*upsertResponse, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	if len(req.Vectors) == 0 {
		return nil, invalid("upsert needs at least one vector")
	}
	if len(req.Vectors) > MaxUpsertBatch {
		return nil, invalid("upsert of %d records exceeds the maximum batch size of %d", len(req.Vectors), MaxUpsertBatch)
	}
	for _, v := range req.Vectors {
		if err := checkID(v.ID); err != nil {
			return nil, err
		}
		if err := checkValues(v.Values, x.dim); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "vector %q: %s", v.ID, status.Convert(err).Message())
		}
		if err := checkSparse(v.Sparse); err != nil {
			return nil, err
		}
		if err := checkMetadata(v.Metadata); err != nil {
			return nil, err
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	name := canonNamespace(req.Namespace)
	n := x.ns[name]
	if n == nil {
		n = &namespace{recs: map[string]*record{}}
		x.ns[name] = n
	}
	for _, v := range req.Vectors {
		n.recs[v.ID] = &record{id: v.ID, values: append([]float32(nil), v.Values...), sparse: v.Sparse, meta: copyMeta(v.Metadata)}
	}
	return &upsertResponse{UpsertedCount: uint32(len(req.Vectors))}, nil
}

// Fetch returns the records with the given ids that exist in one namespace.
func (x *Index) Fetch(req *fetchRequest) (*fetchResponse, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	if len(req.IDs) == 0 {
		return nil, invalid("fetch needs at least one id")
	}
	if err := checkIDCount("fetch", len(req.IDs), MaxFetchIDs); err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &fetchResponse{Vectors: map[string]wireVector{}, Namespace: canonNamespace(req.Namespace), Usage: wireUsage{ReadUnits: 1}}
	if n := x.lookup(req.Namespace); n != nil {
		for _, id := range req.IDs {
			if r, ok := n.recs[id]; ok {
				out.Vectors[id] = r.wire(true, true)
			}
		}
	}
	return out, nil
}

// FetchByMetadata returns the records of one namespace that match a
// filter, in id order, a page at a time.
func (x *Index) FetchByMetadata(req *fetchByMetadataRequest) (*fetchResponse, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	f, set, err := object(req.Filter)
	if err != nil {
		return nil, err
	}
	if !set {
		return nil, invalid("fetch by metadata needs a filter")
	}
	pred, err := compileFilter(f)
	if err != nil {
		return nil, err
	}
	pg, err := readPage(req.Limit, req.PaginationToken, nil, MaxFetchMetaLimit)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &fetchResponse{Vectors: map[string]wireVector{}, Namespace: canonNamespace(req.Namespace), Usage: wireUsage{ReadUnits: 1}}
	n := x.lookup(req.Namespace)
	if n == nil {
		return out, nil
	}
	var ids []string
	for _, id := range sortedKeys(n.recs) {
		if id > pg.after && pred(n.recs[id].meta) {
			ids = append(ids, id)
		}
	}
	page, next := paginate(ids, pg.limit)
	for _, id := range page {
		out.Vectors[id] = n.recs[id].wire(true, true)
	}
	out.Pagination = next
	return out, nil
}

// List returns the ids of one namespace that start with a prefix, sorted,
// a page at a time.
func (x *Index) List(req *listRequest) (*listResponse, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	pg, err := readPage(req.Limit, req.PaginationToken, req.Prefix, MaxListLimit)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &listResponse{Namespace: canonNamespace(req.Namespace), Usage: wireUsage{ReadUnits: 1}}
	n := x.lookup(req.Namespace)
	if n == nil {
		return out, nil
	}
	var ids []string
	for _, id := range sortedKeys(n.recs) {
		if id > pg.after && strings.HasPrefix(id, pg.prefix) {
			ids = append(ids, id)
		}
	}
	page, next := paginate(ids, pg.limit)
	for _, id := range page {
		out.Vectors = append(out.Vectors, listItem{ID: id})
	}
	out.Pagination = next
	return out, nil
}

// Query returns the top_k records of one namespace most similar to a
// vector or to a stored record, among those matching the filter.
func (x *Index) Query(req *queryRequest) (*queryResponse, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	if len(req.Queries) > 0 {
		return nil, invalid("queries (batch query) is not supported: send one query per request")
	}
	if err := checkTopK(req.TopK, req.IncludeValues || req.IncludeMetadata); err != nil {
		return nil, err
	}
	byVector, byID := len(req.Vector) > 0, req.ID != ""
	if (byVector && byID) || (!byVector && !byID && req.SparseVector == nil) {
		return nil, invalid("a query takes exactly one of vector or id")
	}
	if byVector {
		if err := checkValues(req.Vector, x.dim); err != nil {
			return nil, err
		}
	}
	if req.SparseVector != nil {
		if x.metric != DotProduct {
			return nil, invalid("sparse vectors can only be queried on an index with the dotproduct metric")
		}
		if err := checkSparse(req.SparseVector); err != nil {
			return nil, err
		}
	}
	f, _, err := object(req.Filter)
	if err != nil {
		return nil, err
	}
	pred, err := compileFilter(f)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &queryResponse{Namespace: canonNamespace(req.Namespace), Usage: wireUsage{ReadUnits: 1}}
	n := x.lookup(req.Namespace)
	if n == nil {
		return out, nil
	}
	q, qs := req.Vector, req.SparseVector
	if byID {
		r, ok := n.recs[req.ID]
		if !ok {
			return out, nil
		}
		q, qs = r.values, r.sparse
	}
	if len(q) == 0 {
		q = make([]float32, x.dim)
	}
	var ms []scored
	for _, r := range n.recs {
		if pred(r.meta) {
			ms = append(ms, scored{rec: r, score: score(x.metric, q, qs, r)})
		}
	}
	rank(x.metric, ms)
	if len(ms) > int(req.TopK) {
		ms = ms[:req.TopK]
	}
	for _, m := range ms {
		w := m.rec.wire(req.IncludeValues, req.IncludeMetadata)
		out.Matches = append(out.Matches, wireScored{ID: w.ID, Score: float32(m.score), Values: w.Values, Sparse: w.Sparse, Metadata: w.Metadata})
	}
	return out, nil
}

// Update changes one record by id (values replaced, metadata merged), or,
// given a filter, merges metadata into every matching record.
func (x *Index) Update(req *updateRequest) (*updateResponse, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	set, hasSet, err := object(req.SetMetadata)
	if err != nil {
		return nil, err
	}
	if hasSet {
		if err := checkMetadata(set); err != nil {
			return nil, err
		}
	}
	f, hasFilter, err := object(req.Filter)
	if err != nil {
		return nil, err
	}
	if hasFilter {
		if req.ID != "" || len(req.Values) > 0 || req.Sparse != nil {
			return nil, invalid("an update by filter takes only set_metadata, not an id or values")
		}
		return x.updateByFilter(req.Namespace, f, set, hasSet, req.DryRun != nil && *req.DryRun)
	}
	if req.ID == "" {
		return nil, invalid("an update needs an id or a filter")
	}
	if len(req.Values) == 0 && req.Sparse == nil && !hasSet {
		return nil, invalid("an update needs values, sparse values or set_metadata")
	}
	if len(req.Values) > 0 {
		if err := checkValues(req.Values, x.dim); err != nil {
			return nil, err
		}
	}
	if err := checkSparse(req.Sparse); err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	n := x.lookup(req.Namespace)
	if n == nil {
		return nil, status.Errorf(codes.NotFound, "namespace %q not found", canonNamespace(req.Namespace))
	}
	r, ok := n.recs[req.ID]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "vector id %q not found in namespace %q", req.ID, canonNamespace(req.Namespace))
	}
	merged := copyMeta(r.meta)
	for k, v := range set {
		merged[k] = v
	}
	if err := checkMetadata(merged); err != nil {
		return nil, err
	}
	nr := &record{id: r.id, values: r.values, sparse: r.sparse, meta: merged}
	if len(req.Values) > 0 {
		nr.values = append([]float32(nil), req.Values...)
	}
	if req.Sparse != nil {
		nr.sparse = req.Sparse
	}
	n.recs[r.id] = nr
	return &updateResponse{}, nil
}

func (x *Index) updateByFilter(ns string, f, set map[string]any, hasSet, dryRun bool) (*updateResponse, error) {
	if !hasSet {
		return nil, invalid("an update by filter needs set_metadata")
	}
	pred, err := compileFilter(f)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var matched int32
	n := x.lookup(ns)
	if n == nil {
		return &updateResponse{MatchedRecords: &matched}, nil
	}
	var hits []*record
	for _, r := range n.recs {
		if pred(r.meta) {
			hits = append(hits, r)
		}
	}
	matched = int32(len(hits))
	if dryRun {
		return &updateResponse{MatchedRecords: &matched}, nil
	}
	for _, r := range hits {
		merged := copyMeta(r.meta)
		for k, v := range set {
			merged[k] = v
		}
		if err := checkMetadata(merged); err != nil {
			return nil, err
		}
		n.recs[r.id] = &record{id: r.id, values: r.values, sparse: r.sparse, meta: merged}
	}
	return &updateResponse{MatchedRecords: &matched}, nil
}

// Delete removes records of one namespace by ids, by filter, or all of
// them. Deleting in a namespace that does not exist is NOT_FOUND (observed
// on serverless indexes).
func (x *Index) Delete(req *deleteRequest) (*empty, error) {
	if err := checkNamespace(req.Namespace); err != nil {
		return nil, err
	}
	f, hasFilter, err := object(req.Filter)
	if err != nil {
		return nil, err
	}
	if hasFilter && len(f) == 0 {
		hasFilter = false // an empty filter selects nothing to delete by
	}
	modes := 0
	for _, on := range []bool{len(req.IDs) > 0, req.DeleteAll, hasFilter} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return nil, invalid("a delete takes exactly one of ids, delete_all or a non-empty filter")
	}
	if err := checkIDCount("delete", len(req.IDs), MaxDeleteIDs); err != nil {
		return nil, err
	}
	var pred predicate
	if hasFilter {
		if pred, err = compileFilter(f); err != nil {
			return nil, err
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	name := canonNamespace(req.Namespace)
	n := x.ns[name]
	if n == nil {
		return nil, status.Errorf(codes.NotFound, "namespace %q not found", name)
	}
	switch {
	case req.DeleteAll:
		n.recs = map[string]*record{}
	case hasFilter:
		for id, r := range n.recs {
			if pred(r.meta) {
				delete(n.recs, id)
			}
		}
	default:
		for _, id := range req.IDs {
			delete(n.recs, id)
		}
	}
	x.gc(name)
	return &empty{}, nil
}

// Stats counts the records per namespace (those matching the filter, when
// one is given); empty namespaces are left out.
func (x *Index) Stats(req *statsRequest) (*statsResponse, error) {
	f, _, err := object(req.Filter)
	if err != nil {
		return nil, err
	}
	pred, err := compileFilter(f)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &statsResponse{Namespaces: map[string]namespaceSummary{}, Dimension: uint32(x.dim), Metric: x.metric, VectorType: "dense"}
	for name, n := range x.ns {
		c := 0
		for _, r := range n.recs {
			if pred(r.meta) {
				c++
			}
		}
		if c > 0 {
			out.Namespaces[name] = namespaceSummary{VectorCount: uint32(c)}
			out.TotalVectorCount += uint32(c)
		}
	}
	return out, nil
}

// ListNamespaces returns the namespaces, sorted, a page at a time.
func (x *Index) ListNamespaces(req *listNamespacesRequest) (*listNamespacesResponse, error) {
	pg, err := readPage(req.Limit, req.PaginationToken, req.Prefix, MaxListLimit)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var names []string
	total := 0
	for _, name := range sortedKeys(x.ns) {
		if strings.HasPrefix(name, pg.prefix) {
			total++
			if name > pg.after {
				names = append(names, name)
			}
		}
	}
	page, next := paginate(names, pg.limit)
	out := &listNamespacesResponse{Pagination: next, TotalCount: int32(total)}
	for _, name := range page {
		out.Namespaces = append(out.Namespaces, namespaceDescription{Name: name, RecordCount: uint64(len(x.ns[name].recs))})
	}
	return out, nil
}

// DescribeNamespace returns one namespace's record count.
func (x *Index) DescribeNamespace(req *namespaceRequest) (*namespaceDescription, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	name := canonNamespace(req.Namespace)
	n := x.ns[name]
	if n == nil {
		return nil, status.Errorf(codes.NotFound, "namespace %q not found", name)
	}
	return &namespaceDescription{Name: name, RecordCount: uint64(len(n.recs))}, nil
}

// DeleteNamespace removes a namespace and its records.
func (x *Index) DeleteNamespace(req *namespaceRequest) (*empty, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	name := canonNamespace(req.Namespace)
	if x.ns[name] == nil {
		return nil, status.Errorf(codes.NotFound, "namespace %q not found", name)
	}
	delete(x.ns, name)
	return &empty{}, nil
}

// CreateNamespace makes an empty namespace.
func (x *Index) CreateNamespace(req *createNamespaceRequest) (*namespaceDescription, error) {
	if req.Name == "" {
		return nil, invalid("namespace name must not be empty")
	}
	if err := checkNamespace(req.Name); err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	name := canonNamespace(req.Name)
	if x.ns[name] != nil {
		return nil, status.Errorf(codes.AlreadyExists, "namespace %q already exists", name)
	}
	x.ns[name] = &namespace{recs: map[string]*record{}, explicit: true}
	return &namespaceDescription{Name: name}, nil
}
