package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/pinecone-io/go-pinecone/v5/pinecone"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The calls the store port does not use, through the real client.
func connect(t *testing.T, opts fake.Options, ns string) *pinecone.IndexConnection {
	t.Helper()
	srv, err := fake.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	pc, err := pinecone.NewClientBase(pinecone.NewClientBaseParams{})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := pc.Index(pinecone.NewIndexConnParams{Host: srv.Host(), Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func vec(id string, md map[string]any, xs ...float32) *pinecone.Vector {
	m, _ := pinecone.NewMetadata(md)
	return &pinecone.Vector{Id: id, Values: &xs, Metadata: m}
}

func code(err error) codes.Code { return status.Code(err) }

func TestNamespaceCalls(t *testing.T) {
	ctx := context.Background()
	idx := connect(t, fake.Options{Dimension: 2}, "")
	for _, ns := range []string{"n1", "n2", "n3"} {
		if _, err := idx.WithNamespace(ns).UpsertVectors(ctx, []*pinecone.Vector{vec("a", nil, 1, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	one := uint32(2)
	page, err := idx.ListNamespaces(ctx, &pinecone.ListNamespacesParams{Limit: &one})
	if err != nil || len(page.Namespaces) != 2 || page.TotalCount != 3 || page.Pagination == nil {
		t.Fatalf("list namespaces = %+v, %v", page, err)
	}
	rest, err := idx.ListNamespaces(ctx, &pinecone.ListNamespacesParams{PaginationToken: &page.Pagination.Next})
	if err != nil || len(rest.Namespaces) != 1 || rest.Namespaces[0].Name != "n3" {
		t.Fatalf("second page = %+v, %v", rest, err)
	}
	d, err := idx.DescribeNamespace(ctx, "n2")
	if err != nil || d.RecordCount != 1 {
		t.Fatalf("describe namespace = %+v, %v", d, err)
	}
	if err := idx.DeleteNamespace(ctx, "n2"); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.DescribeNamespace(ctx, "n2"); code(err) != codes.NotFound {
		t.Fatalf("describe a deleted namespace: %v, want NOT_FOUND", err)
	}
	if err := idx.DeleteNamespace(ctx, "n2"); code(err) != codes.NotFound {
		t.Fatalf("delete a deleted namespace: %v, want NOT_FOUND", err)
	}
	if _, err := idx.CreateNamespace(ctx, &pinecone.CreateNamespaceParams{Name: "made"}); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.CreateNamespace(ctx, &pinecone.CreateNamespaceParams{Name: "made"}); code(err) != codes.AlreadyExists {
		t.Fatalf("create twice: %v, want ALREADY_EXISTS", err)
	}
}

func TestMetadataCalls(t *testing.T) {
	ctx := context.Background()
	idx := connect(t, fake.Options{Dimension: 2, Metric: fake.DotProduct}, "m")
	if _, err := idx.UpsertVectors(ctx, []*pinecone.Vector{
		vec("a", map[string]any{"g": "x"}, 1, 0), vec("b", map[string]any{"g": "x"}, 0, 1), vec("c", map[string]any{"g": "y"}, 1, 1),
	}); err != nil {
		t.Fatal(err)
	}
	f, _ := pinecone.NewMetadataFilter(map[string]any{"g": "x"})
	one := uint32(1)
	res, err := idx.FetchVectorsByMetadata(ctx, &pinecone.FetchVectorsByMetadataRequest{Filter: f, Limit: &one})
	if err != nil || len(res.Vectors) != 1 || res.Pagination == nil {
		t.Fatalf("fetch by metadata = %+v, %v", res, err)
	}
	dry := true
	set, _ := pinecone.NewMetadata(map[string]any{"h": "z"})
	up, err := idx.UpdateVectorsByMetadata(ctx, &pinecone.UpdateVectorsByMetadataRequest{Filter: f, Metadata: set, DryRun: &dry})
	if err != nil || up.MatchedRecords != 2 {
		t.Fatalf("dry-run update by metadata = %+v, %v", up, err)
	}
	if _, err := idx.UpdateVectorsByMetadata(ctx, &pinecone.UpdateVectorsByMetadataRequest{Filter: f, Metadata: set}); err != nil {
		t.Fatal(err)
	}
	hz, _ := pinecone.NewMetadataFilter(map[string]any{"h": "z"})
	st, err := idx.DescribeIndexStatsFiltered(ctx, hz)
	if err != nil || st.TotalVectorCount != 2 || *st.Dimension != 2 {
		t.Fatalf("filtered stats = %+v, %v", st, err)
	}
	q, err := idx.QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 3,
		SparseValues: &pinecone.SparseValues{Indices: []uint32{1}, Values: []float32{1}}})
	if err != nil || len(q.Matches) != 3 || q.Matches[0].Vector.Id != "a" {
		t.Fatalf("hybrid query = %+v, %v", q, err)
	}
}

func TestSparseNeedsDotProduct(t *testing.T) {
	idx := connect(t, fake.Options{Dimension: 2}, "s")
	if _, err := idx.UpsertVectors(context.Background(), []*pinecone.Vector{vec("a", nil, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	_, err := idx.QueryByVectorValues(context.Background(), &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 1,
		SparseValues: &pinecone.SparseValues{Indices: []uint32{1}, Values: []float32{1}}})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("sparse query on a cosine index: %v, want INVALID_ARGUMENT", err)
	}
}

func TestStartValidatesAndStopsWithItsContext(t *testing.T) {
	if _, err := fake.Start(context.Background(), fake.Options{Metric: "manhattan"}); err == nil {
		t.Error("an unknown metric was accepted")
	}
	if _, err := fake.Start(context.Background(), fake.Options{Dimension: fake.MaxDimension + 1}); err == nil {
		t.Error("a dimension over the limit was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := fake.Start(ctx, fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	pc, _ := pinecone.NewClientBase(pinecone.NewClientBaseParams{})
	idx, err := pc.Index(pinecone.NewIndexConnParams{Host: srv.Host()})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cctx, c := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := idx.DescribeIndexStats(cctx)
		c()
		if err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the fake still answers after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
