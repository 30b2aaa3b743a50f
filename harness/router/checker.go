package router

import (
	"context"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// checker runs one check: a loaded world, a router over it, the requests
// served so far (for scripts) and the counts.
type checker struct {
	env      *Env
	w        *world
	router   *Router
	property string
	stats    harness.Stats
	// expect, when set, overrides where a tenant's requests must run (the
	// migration property moves a tenant mid-check).
	expect map[int]string
}

// newChecker loads the world into every database, drops pooled
// connections and builds the router under test.
func newChecker(ctx context.Context, e *Env, w *world, property string) (*checker, error) {
	e.resetPools()
	if err := e.load(ctx, w); err != nil {
		return nil, err
	}
	hosts, dedicated := w.routes()
	c := &checker{env: e, w: w, router: e.NewRouter(hosts, dedicated), property: property, stats: harness.Stats{Checks: 1}}
	return c, nil
}

// home is where tenant i's requests must run: its home, or "" when the
// router must refuse them (an unknown tier).
func (c *checker) home(i int) string {
	if db, ok := c.expect[i]; ok {
		return db
	}
	if !c.w.tenants[i].servable() {
		return ""
	}
	return c.w.tenants[i].Home
}

// spread reports whether the world's rows live in more than one database:
// only then can a request served by the wrong one show it.
func (c *checker) spread() bool {
	homes := map[string]bool{}
	for _, t := range c.w.tenants {
		homes[t.Home] = true
	}
	return len(homes) > 1
}

// tables are the tenant tables, in foreign-key order, with the column that
// names each row's tenant.
func (c *checker) tables() []tableCol {
	var out []tableCol
	for _, r := range c.w.cat.TenantTables() {
		col := r.TenantColumn
		if r == c.w.cat.TenantsTable {
			col = r.PrimaryKey[0]
		}
		if col != "" {
			out = append(out, tableCol{name: r.String(), qualified: r.QualifiedName(), col: col})
		}
	}
	return out
}

type tableCol struct{ name, qualified, col string }

// countSQL counts rows per table and tenant key, over every tenant table
// (each physical table once).
func (c *checker) countSQL() string {
	var parts []string
	for _, t := range c.tables() {
		parts = append(parts, "SELECT "+catalog.QuoteLiteral(t.name)+", coalesce("+catalog.QuoteIdent(t.col)+"::text, ''), count(*) FROM ONLY "+t.qualified+" GROUP BY 2")
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// held is a count of one tenant's rows in one table.
type held struct {
	table, tenant string
	n             int
}

func sortHeld(h []held) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].table != h[j].table {
			return h[i].table < h[j].table
		}
		return h[i].tenant < h[j].tenant
	})
}

// querier is a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryHeld runs countSQL on q.
func queryHeld(ctx context.Context, q querier, sql string) ([]held, error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	var out []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.table, &h.tenant, &h.n); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortHeld(out)
	return out, nil
}
