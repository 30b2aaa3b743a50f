package router

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Migration describes moving one tenant from the shared database to its
// dedicated one. Source and Target connect as roles that see every row
// (the admin).
type Migration struct {
	Source, Target *pgxpool.Pool
	Catalog        *catalog.Catalog // the schema (both databases hold the same)
	Tenant         string           // the tenant's id
	// Hook, if set, is called after each step with its name: "locked",
	// "copied <table>", "target committed", "switched", "deleted". Tests
	// use it to run requests while the migration is under way.
	Hook func(step string)

	// copyTable, keepSource and wholeDirectory are the mutants' seams:
	// which tables are copied (default all), whether the source keeps its
	// rows, and whether the directory (tenants table) is copied whole.
	copyTable      func(table string) bool
	keepSource     bool
	wholeDirectory bool
}

func (m *Migration) hook(step string) {
	if m.Hook != nil {
		m.Hook(step)
	}
}

// Migrate is the reference procedure: it moves every row of the tenant,
// table by table in foreign-key order, while the tenant's requests wait
// and everyone else's continue.
//
//  1. On the source, lock the tenant's directory entry (SELECT ... FOR NO
//     KEY UPDATE): the router holds a share lock on it for each request,
//     so in-flight requests finish first and new ones wait.
//  2. On the target, delete any earlier partial copy, then copy every
//     tenant table in foreign-key order (the tenants row first, with tier
//     dedicated) and commit.
//  3. On the source, switch the directory entry to dedicated, delete the
//     tenant's rows in reverse foreign-key order, and commit: the switch
//     and the deletion become visible at once, and the waiting requests
//     then route to the target.
//
// If anything fails before the source commits, the source is unchanged
// and still authoritative (tier shared), and running Migrate again
// replaces the partial copy. Limits: without two-phase commit a crash
// between the two commits leaves the copy and the source both in place
// (CheckMigration reports it as leftover); a tenant's rows in tables
// without a tenant column or path to one are not moved.
func Migrate(ctx context.Context, m *Migration) error {
	if m.Catalog.TenantsTable == nil || len(m.Catalog.TenantsTable.PrimaryKey) != 1 {
		return fmt.Errorf("migrate: the schema has no tenants table with a one-column key to hold the directory entry")
	}
	tables := migrationTables(m.Catalog)
	src, err := m.Source.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: begin on source: %w", err)
	}
	defer src.Rollback(context.WithoutCancel(ctx))
	var tier string
	dir := m.Catalog.TenantsTable
	if err := src.QueryRow(ctx, "SELECT tier FROM "+dir.QualifiedName()+" WHERE "+catalog.QuoteIdent(dir.PrimaryKey[0])+" = $1 FOR NO KEY UPDATE", m.Tenant).Scan(&tier); err != nil {
		return fmt.Errorf("migrate: lock the directory entry of %s: %w (is the tenant in the source's tenants table?)", m.Tenant, err)
	}
	if tier != TierShared {
		return fmt.Errorf("migrate: tenant %s has tier %q, not %q: only shared tenants move", m.Tenant, tier, TierShared)
	}
	m.hook("locked")
	if err := m.copy(ctx, src, tables); err != nil {
		return err
	}
	m.hook("target committed")
	if _, err := src.Exec(ctx, "UPDATE "+dir.QualifiedName()+" SET tier = $2 WHERE "+catalog.QuoteIdent(dir.PrimaryKey[0])+" = $1", m.Tenant, TierDedicated); err != nil {
		return fmt.Errorf("migrate: switch the tier: %w", err)
	}
	m.hook("switched")
	if !m.keepSource {
		for i := len(tables) - 1; i >= 0; i-- {
			if tables[i] == dir {
				continue // the directory keeps its entry
			}
			if err := deleteTenant(ctx, src, m.Catalog, tables[i], m.Tenant); err != nil {
				return fmt.Errorf("migrate: delete from source: %w", err)
			}
		}
	}
	m.hook("deleted")
	if err := src.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit on source: %w (the target holds a copy: run the migration again)", err)
	}
	return nil
}

// copy replaces the target's rows of the tenant by the source's, in one
// committed transaction.
func (m *Migration) copy(ctx context.Context, src pgx.Tx, tables []*catalog.Relation) error {
	dst, err := m.Target.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: begin on target: %w", err)
	}
	defer dst.Rollback(context.WithoutCancel(ctx))
	for i := len(tables) - 1; i >= 0; i-- {
		if err := deleteTenant(ctx, dst, m.Catalog, tables[i], m.Tenant); err != nil {
			return fmt.Errorf("migrate: clear an earlier copy on target: %w", err)
		}
	}
	dir := m.Catalog.TenantsTable
	for _, t := range tables {
		if m.copyTable != nil && !m.copyTable(t.String()) {
			continue
		}
		if err := copyTenant(ctx, src, dst, m.Catalog, t, m.Tenant, m.wholeDirectory && t == dir); err != nil {
			return err
		}
		if t == dir {
			if _, err := dst.Exec(ctx, "UPDATE "+dir.QualifiedName()+" SET tier = $2 WHERE "+catalog.QuoteIdent(dir.PrimaryKey[0])+" = $1", m.Tenant, TierDedicated); err != nil {
				return fmt.Errorf("migrate: set the tier on target: %w", err)
			}
		}
		m.hook("copied " + t.String())
	}
	if err := dst.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit on target: %w", err)
	}
	return nil
}

// migrationTables are the tables that move: tenant tables that have a
// tenant filter, in foreign-key order.
func migrationTables(cat *catalog.Catalog) []*catalog.Relation {
	var out []*catalog.Relation
	for _, r := range cat.TenantTables() {
		if _, ok := cat.TenantFilter(r, "t", "$1"); ok {
			out = append(out, r)
		}
	}
	return out
}

// copyTenant copies the tenant's rows of one table through JSON (every
// column by name, generated columns left to the target); all, every
// tenant's rows (a mutant's seam).
func copyTenant(ctx context.Context, src, dst pgx.Tx, cat *catalog.Catalog, r *catalog.Relation, tenant string, all bool) error {
	filter, _ := cat.TenantFilter(r, "t", "$1")
	if all {
		filter = "$1::text IS NOT NULL"
	}
	var rows []byte
	if err := src.QueryRow(ctx, "SELECT coalesce(json_agg(t), '[]')::text FROM ONLY "+r.QualifiedName()+" t WHERE "+filter, tenant).Scan(&rows); err != nil {
		return fmt.Errorf("migrate: read %s: %w", r, err)
	}
	var cols []string
	for _, c := range r.Columns {
		if !c.Generated {
			cols = append(cols, catalog.QuoteIdent(c.Name))
		}
	}
	list := strings.Join(cols, ", ")
	sql := "INSERT INTO " + r.QualifiedName() + " (" + list + ") OVERRIDING SYSTEM VALUE SELECT " + list +
		" FROM json_populate_recordset(NULL::" + r.QualifiedName() + ", $1::json)"
	if _, err := dst.Exec(ctx, sql, string(rows)); err != nil {
		return fmt.Errorf("migrate: write %s on target: %w", r, err)
	}
	return nil
}

// deleteTenant deletes the tenant's rows of one table.
func deleteTenant(ctx context.Context, tx pgx.Tx, cat *catalog.Catalog, r *catalog.Relation, tenant string) error {
	filter, _ := cat.TenantFilter(r, "t", "$1")
	if _, err := tx.Exec(ctx, "DELETE FROM ONLY "+r.QualifiedName()+" t WHERE "+filter, tenant); err != nil {
		return fmt.Errorf("delete %s: %w", r, err)
	}
	return nil
}
