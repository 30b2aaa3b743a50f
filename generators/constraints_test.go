package generators_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"pgregory.net/rapid"
)

// TestRowsSatisfyChecks: rows generated for fixtures/constraints/checks.sql
// (IN lists, lengths, patterns, LIKE, domains, bounds, column orders, null
// rules) insert one by one into a real PostgreSQL with none refused, and
// the text values keep their canary wherever the column admits it.
func TestRowsSatisfyChecks(t *testing.T) {
	tg := testenv.Target(t, "constraints/checks.sql")
	ctx := context.Background()
	rel := tg.Catalog.Relation("chk_items")
	if rel == nil {
		t.Fatal("chk_items not in the catalog")
	}
	rows, canaries := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		w := generators.WorldGen(tg.Catalog, generators.WorldOptions{}).Draw(rt, "world")
		tx, err := tg.Pool.Begin(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		defer tx.Rollback(ctx)
		for _, stmt := range harness.InsertSQL(w) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				rt.Fatalf("insert refused: %v\n%s", err, stmt)
			}
		}
		for _, r := range w.RowsOf(rel) {
			rows++
			if strings.Contains(r.Values["title"], "[tf:") {
				canaries++
			}
		}
	})
	if rows < 50 {
		t.Errorf("only %d chk_items rows in 100 worlds", rows)
	}
	if canaries == 0 {
		t.Errorf("no title carried a canary in %d rows", rows)
	}
}
