package vector_test

import (
	"context"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
)

// The vector properties under the metrics other than cosine, against the
// fake Pinecone server through the real go-pinecone client: the
// reference passes in both modes with reach, and seeded defects are
// still killed (a read defect by vector-read-isolation, whose query reach
// depends on the metric, and a write defect by vector-write-isolation).
// The ranking itself is held to the index by TestSimilarityRanksAsTheIndex
// and the reach per metric by TestQueryReachFollowsTheMetric.
func TestPropertiesUnderEveryMetric(t *testing.T) {
	ctx := context.Background()
	for _, metric := range []string{fake.DotProduct, fake.Euclidean} {
		t.Run(metric, func(t *testing.T) {
			env, err := vector.NewFakeEnv(ctx, vector.FakeOptions{Metric: metric})
			if err != nil {
				t.Fatal(err)
			}
			defer env.Close()
			if env.Metric != metric {
				t.Fatalf("env metric %q, want %q", env.Metric, metric)
			}
			for _, mode := range vector.Modes {
				for _, p := range []*vector.Property{vector.ReadIsolation, vector.WriteIsolation} {
					res := p.Run(ctx, env, mode, opts(10, 7))
					t.Logf("%s %s: checks=%d ops=%d reached=%d (%.2fs)", p.Name, mode, res.Checks, res.Statements, res.Reached, res.Seconds)
					if res.Err != nil || len(res.Findings) > 0 {
						t.Fatalf("%s %s: err=%v findings=%v", p.Name, mode, res.Err, res.Findings)
					}
					if res.Checks < 10 || res.Reached == 0 {
						t.Errorf("%s %s: weak run under %s: %+v", p.Name, mode, metric, res.Stats)
					}
				}
			}
			for _, c := range []struct {
				mutant string
				mode   vector.Mode
				p      *vector.Property
			}{
				{"empty-tenant-filter", vector.SharedNamespace, vector.ReadIsolation},
				{"delete-ids-every-namespace", vector.NamespacePerTenant, vector.WriteIsolation},
			} {
				m := vector.MutantByName(c.mutant)
				res := c.p.Run(ctx, env.WithMutant(m), c.mode, opts(60, 11))
				if res.Err != nil {
					t.Fatalf("%s: %v", c.mutant, res.Err)
				}
				t.Logf("%s: %d checks (%.2fs)", c.mutant, res.Checks, res.Seconds)
				if len(res.Findings) == 0 || res.Findings[0].Kind != m.Kind {
					t.Fatalf("%s survived %s under %s: %v", c.mutant, c.p.Name, metric, res.Findings)
				}
			}
		})
	}
}
