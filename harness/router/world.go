package router

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// unknownTiers are directory tiers outside the contract: the founding
// guide's 'enterprise', case and space variants, empty, made-up plans.
var unknownTiers = []string{"enterprise", "Dedicated", "dedicated ", "SHARED", "", "premium"}

// slugWords start generated slugs; they hold the letters the look-alike
// hosts replace (k and s fold from the Kelvin sign and the long s).
var slugWords = []string{"enterprise-client", "acme", "kite", "sales", "silk", "ops", "bigcorp", "ink"}

// tenant is a world's tenant as level 3 sees it.
type tenant struct {
	generators.Tenant
	Slug string
	Tier string // the directory's tier (maybe unknown)
	Home string // the database that holds its rows
	Host string // its canonical host name
}

// world is the ground truth of one check: tenants with tiers and homes,
// and the rows the harness placed.
type world struct {
	tenants []tenant
	rows    []generators.Row // every generated row, tenants rows included
	cat     *catalog.Catalog
	// counts[tenant][table] is how many rows of the tenant its home holds.
	counts []map[string]int
	serial int // rows written by requests so far
	// loaded are the homes the rows were loaded into (a migration moves
	// a tenant later).
	loaded []string
}

// worldOptions shape the worlds of a property.
type worldOptions struct {
	maxTenants int
	outside    int  // at most this many tenants off the shared database
	needShared bool // at least one tenant stays shared
}

// worldGen generates worlds: a generated world of rows (generators.WorldGen
// on the reference catalog), a slug per tenant, and a tier per tenant
// (shared, dedicated, or an unknown tier whose rows live in a dedicated
// database), each non-shared tenant in a dedicated database of its own.
func worldGen(e *Env, o worldOptions) *rapid.Generator[*world] {
	cat := e.Shared.Target.Catalog
	return rapid.Custom(func(t *rapid.T) *world {
		gw := generators.WorldGen(cat, generators.WorldOptions{MinTenants: 2, MaxTenants: o.maxTenants, MaxRows: 2}).Draw(t, "rows")
		w := &world{cat: cat, rows: gw.Rows}
		free := append([]*Database(nil), e.Dedicated...)
		if len(free) > o.outside {
			free = free[:o.outside]
		}
		for i, gt := range gw.Tenants {
			tn := tenant{Tenant: gt, Tier: TierShared, Home: SharedDB}
			tn.Slug = rapid.SampledFrom(slugWords).Draw(t, "slug of "+gt.Label) + "-" + strconv.Itoa(i+1)
			tn.Host = tn.Slug + "." + e.Zone
			class := rapid.IntRange(0, 9).Draw(t, "tier of "+gt.Label)
			last := i == len(gw.Tenants)-1
			if class >= 5 && len(free) > 0 && !(o.needShared && last && !w.hasShared()) {
				tn.Tier, tn.Home, free = TierDedicated, free[0].Name, free[1:]
				if class >= 8 {
					tn.Tier = rapid.SampledFrom(unknownTiers).Draw(t, "unknown tier of "+gt.Label)
				}
			}
			w.tenants = append(w.tenants, tn)
		}
		w.setDirectory()
		w.count()
		for _, t := range w.tenants {
			w.loaded = append(w.loaded, t.Home)
		}
		return w
	})
}

func (w *world) hasShared() bool {
	for _, t := range w.tenants {
		if t.Home == SharedDB {
			return true
		}
	}
	return false
}

// setDirectory writes each tenant's slug and tier into its tenants row.
func (w *world) setDirectory() {
	for i := range w.rows {
		r := &w.rows[i]
		if r.Table != w.cat.TenantsTable {
			continue
		}
		vals := make(map[string]string, len(r.Values))
		for k, v := range r.Values {
			vals[k] = v
		}
		vals["slug"] = catalog.QuoteLiteral(w.tenants[r.Tenant].Slug)
		vals["tier"] = catalog.QuoteLiteral(w.tenants[r.Tenant].Tier)
		r.Values = vals
		for _, c := range []string{"slug", "tier"} {
			if !contains(r.Cols, c) {
				r.Cols = append(r.Cols, c)
			}
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// count fills the per-tenant row counts from the rows.
func (w *world) count() {
	w.counts = make([]map[string]int, len(w.tenants))
	for i := range w.counts {
		w.counts[i] = map[string]int{}
	}
	for _, r := range w.rows {
		w.counts[r.Tenant][r.Table.String()]++
	}
}

// rowsFor returns the rows a database is loaded with: its tenants' rows,
// and on the shared database every tenant's directory row.
func (w *world) rowsFor(db string) []generators.Row {
	var out []generators.Row
	for _, r := range w.rows {
		if w.loaded[r.Tenant] == db || (db == SharedDB && r.Table == w.cat.TenantsTable) {
			out = append(out, r)
		}
	}
	return out
}

// tenantOf returns the index of the tenant with that id, or -1.
func (w *world) tenantOf(id string) int {
	for i, t := range w.tenants {
		if strings.EqualFold(t.ID, id) {
			return i
		}
	}
	return -1
}

// servable reports whether the tenant's tier is one the router serves.
func (t tenant) servable() bool { return t.Tier == TierShared || t.Tier == TierDedicated }

// describe is "T2 (tier dedicated, home dedicated-1)".
func (t tenant) describe() string {
	return fmt.Sprintf("%s (tier %q, home %s)", t.Label, t.Tier, t.Home)
}

// routes returns the router's configuration for the world: an enterprise
// host rule and a dedicated registration for every tenant off the shared
// database.
func (w *world) routes() (hosts, dedicated map[string]string) {
	hosts, dedicated = map[string]string{}, map[string]string{}
	for _, t := range w.tenants {
		if t.Home != SharedDB {
			hosts[t.Host] = t.ID
			dedicated[t.ID] = t.Home
		}
	}
	return hosts, dedicated
}

// load empties every tenant table of every database and commits the
// world's rows in their places.
func (e *Env) load(ctx context.Context, w *world) error {
	for _, d := range e.Databases() {
		if err := loadDatabase(ctx, d, w); err != nil {
			return err
		}
	}
	return nil
}

// loadLockTimeout bounds how long a reload waits for the tenant tables.
const loadLockTimeout = "30s"

func loadDatabase(ctx context.Context, d *Database, w *world) error {
	var names []string
	for _, r := range d.Target.Catalog.TenantTables() {
		names = append(names, r.QualifiedName())
	}
	tx, err := d.Target.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("load %s: %w", d.Name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Every check ends its requests before it returns, so nothing holds
	// these tables now; should one outlive its check (a harness bug), the
	// TRUNCATE fails after loadLockTimeout instead of waiting forever.
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+loadLockTimeout+"'"); err != nil {
		return fmt.Errorf("load %s: %w", d.Name, err)
	}
	if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(names, ", ")+" CASCADE"); err != nil {
		if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "55P03" {
			return fmt.Errorf("clear %s: %w (a session of an earlier check still holds its tables after %s: a harness bug)", d.Name, err, loadLockTimeout)
		}
		return fmt.Errorf("clear %s: %w", d.Name, err)
	}
	if rows := w.rowsFor(d.Name); len(rows) > 0 {
		sql := strings.Join(harness.InsertSQL(&generators.World{Rows: rows}), "\n")
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("load the world into %s: %w (a generated row the reference schema refuses: a generator bug)", d.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("load %s: commit: %w", d.Name, err)
	}
	return nil
}

// insertScript renders the world's rows per database, for repro scripts.
func (w *world) insertScript(e *Env) string {
	var b strings.Builder
	for _, d := range e.Databases() {
		rows := w.rowsFor(d.Name)
		fmt.Fprintf(&b, "-- on database %s (as the superuser):\nBEGIN;\n", d.Name)
		if len(rows) > 0 {
			b.WriteString(strings.Join(harness.InsertSQL(&generators.World{Rows: rows}), "\n") + "\n")
		}
		b.WriteString("COMMIT;\n")
	}
	return b.String()
}
