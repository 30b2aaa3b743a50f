package vector

import (
	"context"
	"fmt"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// A query reaches another tenant when a foreign record ranks within its
// top_k under the index's metric. Each case places a foreign record F and
// the caller's record O so that the metrics disagree on which ranks
// first: a reach computed under the wrong metric (cosine for all, a
// Euclidean distance taken as a similarity) gets at least one row wrong.
func TestQueryReachFollowsTheMetric(t *testing.T) {
	q := []float32{1, 0}
	cases := []struct {
		name string
		f, o []float32
		want map[string]bool // metric -> reached with top_k 1
	}{
		// Same direction, O longer: cosine ties, dotproduct prefers O,
		// euclidean prefers F (it is the query itself).
		{"F is the query, O longer", []float32{1, 0}, []float32{10, 0},
			map[string]bool{fake.Cosine: true, fake.DotProduct: false, fake.Euclidean: true}},
		// Same direction, F longer: euclidean alone prefers O.
		{"F longer, O is the query", []float32{5, 0}, []float32{1, 0},
			map[string]bool{fake.Cosine: true, fake.DotProduct: true, fake.Euclidean: false}},
		// F off-axis but near, O on-axis but far: euclidean alone
		// prefers F.
		{"F near off-axis, O far on-axis", []float32{1, 1}, []float32{3, 0},
			map[string]bool{fake.Cosine: false, fake.DotProduct: false, fake.Euclidean: true}},
	}
	for _, c := range cases {
		for metric, want := range c.want {
			s := &session{env: &Env{Metric: metric}}
			raw := []rawRecord{{ID: "f", Values: c.f, Owners: []int{1}}, {ID: "o", Values: c.o, Owners: []int{0}}}
			op := generators.VectorOp{Kind: generators.OpQuery, Caller: 0, Vector: q, TopK: 1}
			if got := s.reached(op, raw); got != want {
				t.Errorf("%s under %s: reached = %v, want %v", c.name, metric, got, want)
			}
			op.TopK = 2 // two records: any top_k of 2 holds F
			if !s.reached(op, raw) {
				t.Errorf("%s under %s: top_k 2 did not reach F", c.name, metric)
			}
		}
	}
}

// The reach computation ranks records as the index does: for each metric,
// the order similarity gives equals the order of the fake Pinecone
// server's matches, read through the real go-pinecone client.
func TestSimilarityRanksAsTheIndex(t *testing.T) {
	ctx := context.Background()
	vecs := [][]float32{{1, 0}, {10, 0}, {5, 0}, {1, 1}, {3, 0}, {0, 1}, {-1, 0.5}, {0.2, 0.1}}
	queries := [][]float32{{1, 0}, {0.5, 2}, {-1, -1}}
	for _, metric := range []string{fake.Cosine, fake.DotProduct, fake.Euclidean} {
		env, err := NewFakeEnv(ctx, FakeOptions{Dimension: 2, Metric: metric})
		if err != nil {
			t.Fatal(err)
		}
		defer env.Close()
		var recs []store.Record
		for i, v := range vecs {
			recs = append(recs, store.Record{ID: fmt.Sprint("r", i), Values: v})
		}
		if _, err := env.Store.Upsert(ctx, "m", recs); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			ms, err := env.Store.Query(ctx, "m", store.Query{Vector: q, TopK: len(vecs), IncludeValues: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != len(vecs) {
				t.Fatalf("%s: %d matches, want %d", metric, len(ms), len(vecs))
			}
			for i := 1; i < len(ms); i++ {
				prev, cur := similarity(env.Metric, q, ms[i-1].Values), similarity(env.Metric, q, ms[i].Values)
				if cur > prev+1e-9 {
					t.Errorf("%s, query %v: the index ranks %s (%v) before %s (%v), similarity says the opposite (%g < %g)",
						metric, q, ms[i-1].ID, ms[i-1].Values, ms[i].ID, ms[i].Values, prev, cur)
				}
			}
		}
	}
}
