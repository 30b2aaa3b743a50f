package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pinecone-io/go-pinecone/v5/pinecone"
	"google.golang.org/protobuf/types/known/structpb"
)

// Options tune the Pinecone adapter.
type Options struct {
	// Settle bounds how long each write waits until it is visible to
	// fetch (Pinecone is eventually consistent). Zero does not wait: right
	// for the fake, which is consistent. A write still invisible after
	// Settle fails with ErrNotSettled.
	Settle time.Duration
	// PollEvery is the pause between visibility checks (default 250ms).
	PollEvery time.Duration
}

// Pinecone is the Store over go-pinecone's IndexConnection (gRPC data
// plane).
type Pinecone struct {
	idx  *pinecone.IndexConnection
	opts Options
	host string
}

// ErrNoHost means no index host was given.
var ErrNoHost = errors.New("no Pinecone index host: pass the host from describe_index (--pinecone-host)")

// NewPinecone connects to the index at host (see NormalizeHost). An empty
// apiKey sends none: right for the fake and Pinecone Local.
func NewPinecone(host, apiKey string, opts Options) (*Pinecone, error) {
	host = NormalizeHost(host)
	if host == "" {
		return nil, ErrNoHost
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = 250 * time.Millisecond
	}
	var (
		pc  *pinecone.Client
		err error
	)
	if apiKey != "" {
		pc, err = pinecone.NewClient(pinecone.NewClientParams{ApiKey: apiKey, SourceTag: "tenantfuzz"})
	} else {
		pc, err = pinecone.NewClientBase(pinecone.NewClientBaseParams{SourceTag: "tenantfuzz"})
	}
	if err != nil {
		return nil, fmt.Errorf("create pinecone client: %w", err)
	}
	idx, err := pc.Index(pinecone.NewIndexConnParams{Host: host})
	if err != nil {
		return nil, fmt.Errorf("connect to pinecone index %s: %w", host, err)
	}
	return &Pinecone{idx: idx, opts: opts, host: host}, nil
}

// Host is the normalised index host.
func (p *Pinecone) Host() string { return p.host }

// Close closes the gRPC connection.
func (p *Pinecone) Close() error { return p.idx.Close() }

func (p *Pinecone) conn(ns string) *pinecone.IndexConnection {
	return p.idx.WithNamespace(CanonNamespace(ns))
}

func toStruct(m map[string]any) (*structpb.Struct, error) {
	if m == nil {
		return nil, nil
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		return nil, fmt.Errorf("encode metadata or filter: %w", err)
	}
	return s, nil
}

func fromVector(v *pinecone.Vector) Record {
	r := Record{ID: v.Id}
	if v.Values != nil {
		r.Values = append([]float32(nil), (*v.Values)...)
	}
	if v.Metadata != nil {
		r.Metadata = v.Metadata.AsMap()
	}
	return r
}

// Upsert writes records into ns, replacing records with the same ids.
func (p *Pinecone) Upsert(ctx context.Context, ns string, recs []Record) (int, error) {
	vs := make([]*pinecone.Vector, len(recs))
	for i, r := range recs {
		md, err := toStruct(r.Metadata)
		if err != nil {
			return 0, err
		}
		values := append([]float32(nil), r.Values...)
		vs[i] = &pinecone.Vector{Id: r.ID, Values: &values, Metadata: md}
	}
	n, err := p.conn(ns).UpsertVectors(ctx, vs)
	if err != nil {
		return 0, fmt.Errorf("upsert into %q: %w", ns, err)
	}
	return int(n), p.settle(ctx, "upsert", func() (bool, error) { return p.visible(ctx, ns, recs) })
}

// Query returns the most similar records of ns, most similar first.
func (p *Pinecone) Query(ctx context.Context, ns string, q Query) ([]Match, error) {
	f, err := toStruct(q.Filter)
	if err != nil {
		return nil, err
	}
	var res *pinecone.QueryVectorsResponse
	if q.ID != "" {
		res, err = p.conn(ns).QueryByVectorId(ctx, &pinecone.QueryByVectorIdRequest{VectorId: q.ID, TopK: uint32(q.TopK), MetadataFilter: f, IncludeValues: q.IncludeValues, IncludeMetadata: q.IncludeMetadata})
	} else {
		res, err = p.conn(ns).QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{Vector: q.Vector, TopK: uint32(q.TopK), MetadataFilter: f, IncludeValues: q.IncludeValues, IncludeMetadata: q.IncludeMetadata})
	}
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", ns, err)
	}
	out := make([]Match, 0, len(res.Matches))
	for _, m := range res.Matches {
		if m == nil || m.Vector == nil {
			continue
		}
		out = append(out, Match{Record: fromVector(m.Vector), Score: m.Score})
	}
	return out, nil
}

// Fetch returns the records of ns with the given ids, by id.
func (p *Pinecone) Fetch(ctx context.Context, ns string, ids []string) (map[string]Record, error) {
	res, err := p.conn(ns).FetchVectors(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("fetch from %q: %w", ns, err)
	}
	out := make(map[string]Record, len(res.Vectors))
	for id, v := range res.Vectors {
		if v != nil {
			out[id] = fromVector(v)
		}
	}
	return out, nil
}

// List returns one page of the ids of ns that start with prefix; limit 0
// takes the store's default page size.
func (p *Pinecone) List(ctx context.Context, ns, prefix string, limit int, token string) (Page, error) {
	req := &pinecone.ListVectorsRequest{}
	if prefix != "" {
		req.Prefix = &prefix
	}
	if limit > 0 {
		l := uint32(limit)
		req.Limit = &l
	}
	if token != "" {
		req.PaginationToken = &token
	}
	res, err := p.conn(ns).ListVectors(ctx, req)
	if err != nil {
		return Page{}, fmt.Errorf("list %q: %w", ns, err)
	}
	var pg Page
	for _, id := range res.VectorIds {
		if id != nil {
			pg.IDs = append(pg.IDs, *id)
		}
	}
	if res.NextPaginationToken != nil {
		pg.Next = *res.NextPaginationToken
	}
	return pg, nil
}

// Update replaces values (when given) and merges metadata of one record.
func (p *Pinecone) Update(ctx context.Context, ns, id string, values []float32, set Metadata) error {
	md, err := toStruct(set)
	if err != nil {
		return err
	}
	req := &pinecone.UpdateVectorRequest{Id: id, Metadata: md}
	if len(values) > 0 {
		req.Values = values
	}
	if err := p.conn(ns).UpdateVector(ctx, req); err != nil {
		return fmt.Errorf("update %q in %q: %w", id, ns, err)
	}
	return p.settle(ctx, "update", func() (bool, error) { return p.updated(ctx, ns, id, values, set) })
}

// DeleteIDs removes records of ns by id.
func (p *Pinecone) DeleteIDs(ctx context.Context, ns string, ids []string) error {
	if err := p.conn(ns).DeleteVectorsById(ctx, ids); err != nil {
		return fmt.Errorf("delete ids from %q: %w", ns, err)
	}
	return p.settle(ctx, "delete", func() (bool, error) {
		got, err := p.Fetch(ctx, ns, ids)
		return len(got) == 0, err
	})
}

// DeleteFilter removes the records of ns that match f.
func (p *Pinecone) DeleteFilter(ctx context.Context, ns string, f Filter) error {
	s, err := toStruct(f)
	if err != nil {
		return err
	}
	if s == nil {
		s = &structpb.Struct{}
	}
	if err := p.conn(ns).DeleteVectorsByFilter(ctx, s); err != nil {
		return fmt.Errorf("delete by filter from %q: %w", ns, err)
	}
	return p.settle(ctx, "delete by filter", func() (bool, error) {
		one := uint32(1)
		res, err := p.conn(ns).FetchVectorsByMetadata(ctx, &pinecone.FetchVectorsByMetadataRequest{Filter: s, Limit: &one})
		if err != nil {
			return true, nil // fetch by metadata unsupported here: nothing to wait on
		}
		return len(res.Vectors) == 0, nil
	})
}

// DeleteAll removes every record of ns.
func (p *Pinecone) DeleteAll(ctx context.Context, ns string) error {
	if err := p.conn(ns).DeleteAllVectorsInNamespace(ctx); err != nil {
		return fmt.Errorf("delete all of %q: %w", ns, err)
	}
	return p.settle(ctx, "delete all", func() (bool, error) {
		st, err := p.Stats(ctx)
		return st.Namespaces[CanonNamespace(ns)] == 0, err
	})
}

// Stats counts records per namespace.
func (p *Pinecone) Stats(ctx context.Context) (Stats, error) {
	res, err := p.idx.DescribeIndexStats(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("describe index stats: %w", err)
	}
	st := Stats{Total: int(res.TotalVectorCount), Namespaces: map[string]int{}}
	if res.Dimension != nil {
		st.Dimension = int(*res.Dimension)
	}
	for name, s := range res.Namespaces {
		if s != nil && s.VectorCount > 0 {
			st.Namespaces[CanonNamespace(name)] = int(s.VectorCount)
		}
	}
	return st, nil
}

// Namespaces lists every namespace of the index.
func (p *Pinecone) Namespaces(ctx context.Context) ([]string, error) {
	var names []string
	var token *string
	for {
		res, err := p.idx.ListNamespaces(ctx, &pinecone.ListNamespacesParams{PaginationToken: token})
		if err != nil {
			return nil, fmt.Errorf("list namespaces: %w", err)
		}
		for _, n := range res.Namespaces {
			if n != nil {
				names = append(names, CanonNamespace(n.Name))
			}
		}
		if res.Pagination == nil || res.Pagination.Next == "" {
			return names, nil
		}
		next := res.Pagination.Next
		token = &next
	}
}

// DeleteNamespace removes a namespace and its records.
func (p *Pinecone) DeleteNamespace(ctx context.Context, ns string) error {
	if err := p.idx.DeleteNamespace(ctx, CanonNamespace(ns)); err != nil {
		return fmt.Errorf("delete namespace %q: %w", ns, err)
	}
	return p.settle(ctx, "delete namespace", func() (bool, error) {
		st, err := p.Stats(ctx)
		return st.Namespaces[CanonNamespace(ns)] == 0, err
	})
}
