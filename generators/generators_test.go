package generators_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

// TestWorldsInsertCleanly: every generated world inserts into the
// reference schema without a refused row, every tenant has rows in every
// tenant table, and every child row references a parent of its own tenant.
func TestWorldsInsertCleanly(t *testing.T) {
	tg := testenv.Target(t)
	ctx := context.Background()
	edges := map[string]bool{}
	tablesWithRows := map[string]int{}
	rapid.Check(t, func(rt *rapid.T) {
		w := generators.WorldGen(tg.Catalog, generators.WorldOptions{}).Draw(rt, "world")
		for _, rel := range tg.Catalog.TenantTables() {
			per := map[int]int{}
			for _, r := range w.RowsOf(rel) {
				per[r.Tenant]++
				for _, v := range r.Values {
					for _, o := range w.Owners(v) {
						if o != r.Tenant {
							rt.Fatalf("%s row of %s carries %s's id or canary: %s", rel, w.Tenants[r.Tenant].Label, w.Tenants[o].Label, v)
						}
					}
					switch {
					case v == "NULL":
						edges["null"] = true
					case v == "''":
						edges["empty"] = true
					case strings.Contains(v, "東京"):
						edges["unicode"] = true
					case len(v) > 200:
						edges["long"] = true
					}
				}
			}
			if rel == tg.Catalog.TenantsTable && len(per) != len(w.Tenants) {
				rt.Fatalf("%s: rows for %d of %d tenants", rel, len(per), len(w.Tenants))
			}
			if len(per) > 0 {
				tablesWithRows[rel.String()]++
			}
		}
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
	})
	for _, r := range tg.Catalog.TenantTables() {
		if tablesWithRows[r.String()] < 50 {
			t.Errorf("%s had rows in only %d of 100 worlds", r, tablesWithRows[r.String()])
		}
	}
	for _, e := range []string{"null", "empty", "unicode", "long"} {
		if !edges[e] {
			t.Errorf("no %s value generated in 100 worlds", e)
		}
	}
}

// TestSelectsAreValid measures the share of generated SELECTs that are
// valid SQL (run as the admin role) and checks that every readable relation
// and both statement kinds appear.
func TestSelectsAreValid(t *testing.T) {
	tg := testenv.Target(t)
	ctx := context.Background()
	valid, total := 0, 0
	kinds := map[string]int{}
	rels := map[string]int{}
	var bad []string
	rapid.Check(t, func(rt *rapid.T) {
		w := generators.WorldGen(tg.Catalog, generators.WorldOptions{}).Draw(rt, "world")
		rel := rapid.SampledFrom(tg.Catalog.Readable()).Draw(rt, "relation")
		tx, err := tg.Pool.Begin(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		defer tx.Rollback(ctx)
		for _, stmt := range harness.InsertSQL(w) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				rt.Fatal(err)
			}
		}
		for i := 0; i < 5; i++ {
			st := generators.SelectGen(tg.Catalog, w, rel).Draw(rt, "select")
			total++
			kinds[st.Kind]++
			for _, r := range st.Relations {
				rels[r]++
			}
			if _, err := tx.Exec(ctx, "SAVEPOINT s"); err != nil {
				rt.Fatal(err)
			}
			rows, err := tx.Query(ctx, st.SQL, pgx.QueryExecModeSimpleProtocol)
			if err == nil {
				rows.Close()
				err = rows.Err()
			}
			if err == nil {
				valid++
			} else if len(bad) < 5 {
				bad = append(bad, err.Error()+": "+st.SQL)
			}
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT s"); err != nil {
				rt.Fatal(err)
			}
		}
	})
	rate := float64(valid) / float64(total)
	t.Logf("valid SELECTs: %d of %d (%.1f%%); kinds %v\n%s", valid, total, 100*rate, kinds, strings.Join(bad, "\n"))
	if rate < 0.9 {
		t.Errorf("valid-SQL rate %.1f%% < 90%%; examples:\n%s", 100*rate, strings.Join(bad, "\n"))
	}
	for _, r := range tg.Catalog.Readable() {
		if rels[r.String()] == 0 {
			t.Errorf("relation %s never appeared in %d statements", r, total)
		}
	}
	for _, k := range []string{"select", "select-join", "select-aggregate", "select-subquery", "select-cte", "select-setop", "select-window", "select-distinct"} {
		if kinds[k] == 0 {
			t.Errorf("statement kind %s never generated", k)
		}
	}
}
