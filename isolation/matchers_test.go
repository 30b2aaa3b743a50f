package isolation_test

import (
	"context"
	"testing"

	"github.com/onsi/gomega"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
	"github.com/tenantfuzz/tenantfuzz/isolation"
)

const t1, t2 = "7e4a0000-0000-4000-8000-000000000001", "7e4a0000-0000-4000-8000-000000000002"

var world = []string{
	"INSERT INTO tenants (id, name, slug) VALUES ('" + t1 + "', 'one', 'one'), ('" + t2 + "', 'two', 'two')",
	"INSERT INTO documents (id, tenant_id, title) VALUES (gen_random_uuid(), '" + t1 + "', 'a'), (gen_random_uuid(), '" + t2 + "', 'b')",
}

// TestMatchersCatchADefect: with RLS off on documents, ConsistOfRowsOf
// and BeRefusedFor fail (the passing side is ExampleConsistOfRowsOf).
func TestMatchersCatchADefect(t *testing.T) {
	tg := isolation.StartT(t, isolation.Options{Overlays: []string{"../fixtures/mutants/rls_off.sql"}})
	for name, c := range map[string]struct {
		sql string
		m   func(string) interface{ Match(any) (bool, error) }
	}{
		"ConsistOfRowsOf": {"SELECT * FROM documents", func(id string) interface{ Match(any) (bool, error) } { return isolation.ConsistOfRowsOf(id) }},
		"BeRefusedFor":    {"UPDATE documents SET title = 'x'", func(id string) interface{ Match(any) (bool, error) } { return isolation.BeRefusedFor(id) }},
	} {
		ok, err := c.m(t1).Match(tg.SQL(c.sql, world...))
		if err != nil || ok {
			t.Errorf("%s passed on RLS off (err %v)", name, err)
		}
	}
}

// TestOnlyReturnNamespace: matches fetched from their own namespace pass;
// a match from another namespace fails.
func TestOnlyReturnNamespace(t *testing.T) {
	srv, err := fake.Start(context.Background(), fake.Options{Dimension: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, err := store.NewPinecone(srv.Host(), "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, ns := range []string{"t1", "t2"} {
		if _, err := st.Upsert(ctx, ns, []store.Record{{ID: ns + "-a", Values: []float32{1, 0}, Metadata: store.Metadata{"ns": ns}}}); err != nil {
			t.Fatal(err)
		}
	}
	g := gomega.NewWithT(t)
	g.Eventually(func() int {
		m, _ := st.Query(ctx, "t2", store.Query{Vector: []float32{1, 0}, TopK: 5, IncludeMetadata: true})
		return len(m)
	}).Should(gomega.Equal(1))
	own, err := st.Query(ctx, "t1", store.Query{Vector: []float32{1, 0}, TopK: 5, IncludeMetadata: true})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(own).NotTo(gomega.BeEmpty()) // OnlyReturnNamespace must not pass on nothing
	g.Expect(isolation.VectorResult{Store: st, Matches: own}).To(isolation.OnlyReturnNamespace("t1"))
	foreign, err := st.Query(ctx, "t2", store.Query{Vector: []float32{1, 0}, TopK: 5, IncludeMetadata: true})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(isolation.VectorResult{Store: st, Matches: foreign}).NotTo(isolation.OnlyReturnNamespace("t1"))
}
