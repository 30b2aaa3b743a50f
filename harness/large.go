package harness

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// LargeOptions size the large-world property's world.
type LargeOptions struct {
	// Tenants is the number of tenants; 0 turns the property off.
	Tenants int
	// PerTenant is the number of rows each tenant gets in every tenant
	// table but the tenants table (default 33).
	PerTenant int
	// Checks is the number of checks per relation (default: RunOptions.Checks).
	Checks int
}

// LargeWorld is the property: in a persistent world of thousands of
// tenants bulk-loaded with COPY (10,000 tenants and 1,000,000 rows on the
// reference schema in the nightly profile), for any viewer and any
// generated SELECT over a relation the application role may read, run as
// the application role with the viewer's context, no returned row belongs
// to another tenant (ownership oracle) and, for deterministic statements,
// the result is the admin's result over the viewer's own rows
// (differential oracle).
//
// What it adds to read-isolation: the policies run among thousands of
// tenants with real statistics, so the planner picks the plans production
// picks (index scans, hash joins, sorts spilling), and predicates that only
// go wrong among many tenants show: lossy tenant keys, hash buckets,
// truncated codes. The world is fixed; rapid shrinks the viewer and the
// statements only.
//
// Limits: the admin's unrestricted run reads at most 200 rows (enough to
// see a statement reach other tenants, not its whole result); results of
// more than 10,000 rows are judged by the ownership oracle on their first
// 10,000 rows and not compared; the psql reproduction inserts only the
// rows of the tenants involved, so a defect that needs the whole world to
// show needs the replay line instead.
var LargeWorld = &Property{
	Name:      "large-world",
	Title:     "among thousands of tenants, a tenant's SELECTs return only its own rows",
	Labels:    []string{"rls", "read", "large", "soc2:CC6.1"},
	control:   true,
	Relations: func(c *catalog.Catalog) []*catalog.Relation { return c.Readable() },
	Enabled:   func(o RunOptions) bool { return o.Large.Tenants > 0 },
	Setup: func(ctx context.Context, tg *Target, o RunOptions) (func(context.Context) error, error) {
		if _, err := tg.BulkLoad(ctx, BulkOptions{Tenants: o.Large.Tenants, PerTenant: o.Large.PerTenant}); err != nil {
			return nil, fmt.Errorf("large world: %w", err)
		}
		return tg.DropBulk, nil
	},
	sized: func(o RunOptions) RunOptions {
		if o.Large.Checks > 0 {
			o.Checks = o.Large.Checks
		}
		return o
	},
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		return checkBody(opts, st, func(rt *rapid.T) (*Finding, Stats, error) {
			bw := tg.large
			if bw == nil {
				return nil, Stats{}, errNoLargeWorld
			}
			viewer := rapid.IntRange(0, bw.Tenants-1).Draw(rt, "viewer")
			// The rows of the viewer and of three other tenants give the
			// statements their own and foreign literals.
			shown := []int{viewer}
			for range 3 {
				shown = append(shown, rapid.IntRange(0, bw.Tenants-1).Draw(rt, "other tenant"))
			}
			w := bw.view(shown...)
			stmts := rapid.SliceOfN(generators.SelectGen(tg.Catalog, w, rel), 1, opts.Statements).Draw(rt, "statements")
			var stats Stats
			f, err := tg.run(ctx, probe{world: w, viewer: viewer, states: []contextState{ctxTenant}, stmts: stmts,
				large: true, property: "large-world", relation: rel.String(), kind: KindCrossTenantRead}, &stats)
			return f, stats, err
		})
	},
}

var errNoLargeWorld = fmt.Errorf("the large world is not loaded: run the property's Setup (Target.BulkLoad) first")

// errLargeLoaded refuses small worlds while a large world is committed:
// their tenants and keys would collide with its rows.
var errLargeLoaded = fmt.Errorf("a large world is loaded (Target.BulkLoad): small worlds would mix with its rows; drop it first (Target.DropBulk)")

// DropBulk empties the tables BulkLoad filled, puts back the rows the
// schema had seeded in them, rewinds the sequences the load advanced
// (restoreSequences), refreshes the materialized views and the tables'
// statistics, and forgets the large world.
func (tg *Target) DropBulk(ctx context.Context) error {
	w := tg.large
	if w == nil {
		return nil
	}
	err := pgx.BeginFunc(ctx, tg.Pool, func(tx pgx.Tx) error {
		if tg.DB.Superuser { // restored rows were checked when the schema seeded them
			if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
				return err
			}
		}
		if err := truncatePlans(ctx, tx, planNames(w.plans)); err != nil {
			return err
		}
		if err := restoreSeeded(ctx, tx, planRelations(w.plans), w.saved); err != nil {
			return err
		}
		if err := refreshMatViews(ctx, tx, tg.Catalog); err != nil {
			return err
		}
		// Statistics of the emptied tables, not of the large world: later
		// small-world plans do not depend on whether it ran before them.
		if _, err := tx.Exec(ctx, "ANALYZE "+strings.Join(planNames(w.plans), ", ")); err != nil {
			return err
		}
		return restoreSequences(ctx, tx, w.seqs)
	})
	if err != nil {
		return fmt.Errorf("drop large world: %w", err)
	}
	tg.large = nil
	return nil
}

// LargeWorld returns the large world BulkLoad committed, or nil.
func (tg *Target) LargeWorld() *BulkWorld { return tg.large }

// view returns the generators' view of the world for one check: every
// tenant, the rows of the listed ones, and the loader's layout to trace
// all other rows.
func (w *BulkWorld) view(tenants ...int) *generators.World {
	tenants = slices.Compact(slices.Sorted(slices.Values(tenants)))
	var rows []generators.Row
	for _, p := range w.plans { // foreign-key order, as a script inserts them
		for _, t := range tenants {
			rows = append(rows, p.rows(t)...)
		}
	}
	return generators.LargeWorld(w.tenants, rows, func(u string) (int, bool) { return bulkOwner(u, w.Tenants) })
}

// rows renders tenant t's rows of the plan's table as the generators'
// rows (SQL literals), as BulkLoad loaded them.
func (p *bulkPlan) rows(t int) []generators.Row {
	out := make([]generators.Row, 0, p.perTenant)
	var buf []byte
	for r := range p.perTenant {
		row := generators.Row{Table: p.rel, Tenant: t, Values: make(map[string]string, len(p.cols))}
		for _, c := range p.cols {
			buf = c.put(buf[:0], t, r)
			lit := "NULL"
			if string(buf) != `\N` {
				lit = catalog.QuoteLiteral(copyUnescape(string(buf)))
			}
			row.Cols = append(row.Cols, c.name)
			row.Values[c.name] = lit
		}
		var key []string
		for _, pk := range p.rel.PrimaryKey {
			key = append(key, pk+"="+strings.Trim(row.Values[pk], "'"))
		}
		row.Key = strings.Join(key, ",")
		out = append(out, row)
	}
	return out
}

// bulkOwner traces a uuid of a bulk-loaded world to its tenant: tenant ids
// (generators.TenantIndex) and generated values
// (tttttttt-TTTT-4ccc-8000-rrrrrrrrrrrr, tenant+1 in hex, as
// appendBulkUUID writes them).
func bulkOwner(u string, tenants int) (int, bool) {
	if len(u) != 36 || u[23] != '-' {
		return 0, false
	}
	if t, ok := generators.TenantIndex(u); ok {
		return t, t < tenants
	}
	if u[14] != '4' || u[19:23] != "8000" {
		return 0, false
	}
	n, err := strconv.ParseUint(u[:8], 16, 32)
	return int(n) - 1, err == nil && n >= 1 && int(n) <= tenants
}

// copyUnescape reverses copyEscape.
func copyUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r").Replace(s)
}
