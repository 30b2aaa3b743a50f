package isolation_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/isolation"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

// recorder is a stand-in for the *testing.T of a user's test: it keeps
// what Check reports.
type recorder struct{ errors []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Check catches a seeded defect (RLS disabled on documents) through the Go
// API alone. In a real test, pass the test's *testing.T: each finding is a
// t.Error with its replay line.
func ExampleCheck() {
	tg, err := isolation.Start(context.Background(), isolation.Options{Overlays: []string{"../fixtures/mutants/rls_off.sql"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tg.Close()
	t := &recorder{}
	findings := isolation.Check(t, tg, isolation.CheckOptions{Properties: []string{"read-isolation"}, Checks: 10})
	leaky := map[string]bool{}
	for _, f := range findings {
		leaky[f.Relation] = true
	}
	fmt.Println("leak on documents:", leaky["documents"])
	fmt.Println("reported with a replay line:", len(t.errors) > 0 && strings.Contains(t.errors[0], "replay:    tenantfuzz replay"))
	// Output:
	// leak on documents: true
	// reported with a replay line: true
}

// The matchers for hand-written regression tests: each tenant sees only
// its own rows, and a foreign update is refused or changes nothing.
func ExampleConsistOfRowsOf() {
	tg, err := isolation.Start(context.Background(), isolation.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tg.Close()
	const t1, t2 = "7e4a0000-0000-4000-8000-000000000001", "7e4a0000-0000-4000-8000-000000000002"
	world := []string{
		"INSERT INTO tenants (id, name, slug) VALUES ('" + t1 + "', 'one', 'one'), ('" + t2 + "', 'two', 'two')",
		"INSERT INTO documents (id, tenant_id, title) VALUES (gen_random_uuid(), '" + t1 + "', 'a'), (gen_random_uuid(), '" + t2 + "', 'b')",
	}
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println("FAIL:", message) })
	g.Expect(tg.SQL("SELECT * FROM documents", world...)).To(isolation.ConsistOfRowsOf(t1))
	g.Expect(tg.SQL("SELECT * FROM documents", world...)).To(isolation.ConsistOfRowsOf(t2))
	g.Expect(tg.SQL("UPDATE documents SET title = 'x' WHERE tenant_id = '"+t2+"'", world...)).To(isolation.BeRefusedFor(t1))
	fmt.Println("done")
	// Output:
	// done
}
