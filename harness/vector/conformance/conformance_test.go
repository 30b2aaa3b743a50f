package conformance_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/conformance"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Point the suite at a real index:
//
//	PINECONE_API_KEY=... go test ./harness/vector/conformance -run Pinecone \
//	    -pinecone-host my-index-abc.svc.aped-1234.pinecone.io -pinecone-metric cosine
//
// (or TENANTFUZZ_PINECONE_HOST / TENANTFUZZ_PINECONE_METRIC). For Pinecone
// Local, pass its host (localhost:5081) and any key. The suite only touches
// namespaces starting with tfconf- and deletes them when done.
var (
	pineconeHost   = flag.String("pinecone-host", os.Getenv("TENANTFUZZ_PINECONE_HOST"), "index host for the conformance suite against Pinecone")
	pineconeMetric = flag.String("pinecone-metric", envOr("TENANTFUZZ_PINECONE_METRIC", "cosine"), "the metric of that index")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func TestFakeConformsForEachMetric(t *testing.T) {
	for _, metric := range []string{fake.Cosine, fake.DotProduct, fake.Euclidean} {
		t.Run(metric, func(t *testing.T) {
			srv, err := fake.Start(context.Background(), fake.Options{Dimension: 4, Metric: metric})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			s, err := store.NewPinecone(srv.Host(), "", store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := conformance.Check(context.Background(), s, conformance.Options{Metric: metric}); err != nil {
				t.Errorf("the fake does not conform:\n%v", err)
			}
			if st, err := s.Stats(context.Background()); err != nil || st.Total != 0 {
				t.Errorf("the suite left records behind: %+v, %v", st, err)
			}
		})
	}
}

// TestSuiteCovers asserts the suite covers each filter operator, each
// metric, namespace scoping, pagination and the limits.
func TestSuiteCovers(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range conformance.Cases {
		for _, k := range c.Covers {
			covered[k] = true
		}
	}
	for _, want := range []string{
		"filter:$eq", "filter:$ne", "filter:$gt", "filter:$gte", "filter:$lt", "filter:$lte", "filter:$in", "filter:$nin",
		"filter:$exists", "filter:$and", "filter:$or", "filter:bare", "filter:lists",
		"metric:cosine", "metric:dotproduct", "metric:euclidean",
		"namespace:scoping", "namespace:default", "list:pagination",
		"limit:upsert-batch", "limit:fetch-ids", "limit:delete-ids", "limit:top_k", "limit:id-length", "limit:metadata-size",
	} {
		if !covered[want] {
			t.Errorf("no case covers %s", want)
		}
	}
}

// filterless drops every filter: a store that ignores filters (and so
// breaks tenant isolation in the shared mode) must fail the suite.
type filterless struct{ store.Store }

func (f filterless) Query(ctx context.Context, ns string, q store.Query) ([]store.Match, error) {
	q.Filter = nil
	return f.Store.Query(ctx, ns, q)
}

func TestSuiteCatchesAStoreThatIgnoresFilters(t *testing.T) {
	srv, err := fake.Start(context.Background(), fake.Options{Dimension: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s, err := store.NewPinecone(srv.Host(), "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = conformance.Check(context.Background(), filterless{s}, conformance.Options{})
	if err == nil || !strings.Contains(err.Error(), "filter-operators: filter") {
		t.Fatalf("the suite passed a store that ignores filters: %v", err)
	}
}

func TestPineconeConforms(t *testing.T) {
	key := os.Getenv("PINECONE_API_KEY")
	if *pineconeHost == "" || key == "" {
		t.Skip("no Pinecone index: set PINECONE_API_KEY and -pinecone-host (or TENANTFUZZ_PINECONE_HOST) to run the suite against Pinecone or Pinecone Local")
	}
	s, err := store.NewPinecone(*pineconeHost, key, store.Options{Settle: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if err := conformance.Check(ctx, s, conformance.Options{Metric: *pineconeMetric, Eventually: time.Minute}); err != nil {
		t.Errorf("%s does not behave as the suite expects:\n%v", *pineconeHost, err)
	}
}
