package apiclient

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// seedTables are the tables emptied before each world: the tenants table
// and every table with the tenant column. They live in the database
// tenantfuzz created for the run, so nothing of the user's is touched.
func seedTables(cat *catalog.Catalog) []*catalog.Relation {
	var out []*catalog.Relation
	for _, r := range cat.Relations {
		if r.IsTable() && (r.TenantColumn != "" || r == cat.TenantsTable) {
			out = append(out, r)
		}
	}
	return out
}

// load empties the seed tables and commits w as the admin role. The undo
// CommitWorld returns is not used: rows the service created would block
// it, and the database is the run's own (dropped at the end).
func load(ctx context.Context, tg *harness.Target, w *generators.World) error {
	names := make([]string, 0, 8)
	for _, r := range seedTables(tg.Catalog) {
		names = append(names, r.QualifiedName())
	}
	if len(names) > 0 {
		if _, err := tg.Pool.Exec(ctx, "TRUNCATE "+strings.Join(names, ", ")+" CASCADE"); err != nil {
			return fmt.Errorf("empty the tenant tables: %w", err)
		}
	}
	_, err := tg.CommitWorld(ctx, w)
	return err
}

// slugFor is tenant k's host-safe slug under a host pattern.
func slugFor(w *generators.World, k int) string {
	return fmt.Sprintf("tf%d-%s", k+1, strings.ToLower(w.TenantID(k)[:8]))
}

// setSlugs gives the tenants table's rows host-safe values in col (the
// generated ones carry canary markers, which no host name may hold).
func setSlugs(cat *catalog.Catalog, w *generators.World, col string) error {
	tt := cat.TenantsTable
	if tt == nil || tt.Column(col) == nil {
		return fmt.Errorf("--host-pattern {%s}: the tenants table has no column %s", col, col)
	}
	for i := range w.Rows {
		r := &w.Rows[i]
		if r.Table != tt || r.Global {
			continue
		}
		if _, ok := r.Values[col]; !ok {
			r.Cols = append(r.Cols, col)
		}
		r.Values[col] = "'" + slugFor(w, r.Tenant) + "'"
	}
	return nil
}

var uuidIn = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
var intLiteral = regexp.MustCompile(`^'?(-?[0-9]+)'?(::[a-z ]+)?$`)

// idsOf collects, per tenant, the values of column col of table's rows:
// the ids a {id} placeholder takes (uuids and integers the world set).
func idsOf(w *generators.World, table, col string) [][]string {
	out := make([][]string, len(w.Tenants))
	for _, r := range w.Rows {
		if r.Global || (r.Table.Name != table && r.Table.Schema+"."+r.Table.Name != table) {
			continue
		}
		lit := strings.TrimSpace(r.Values[col])
		if id := uuidIn.FindString(lit); id != "" {
			out[r.Tenant] = append(out[r.Tenant], id)
		} else if m := intLiteral.FindStringSubmatch(lit); m != nil {
			out[r.Tenant] = append(out[r.Tenant], m[1])
		}
	}
	return out
}

// digest reads a fingerprint of every tenant's rows, table by table, as
// the admin role: key "tenant id\ttable".
func digest(ctx context.Context, tg *harness.Target) (map[string]string, error) {
	var parts []string
	for _, r := range seedTables(tg.Catalog) {
		col := r.TenantColumn
		if r == tg.Catalog.TenantsTable {
			if len(r.PrimaryKey) != 1 {
				continue
			}
			col = r.PrimaryKey[0]
		}
		if col == "" {
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT %s::text, %s, md5(string_agg(t::text, '|' ORDER BY t::text)) FROM %s t GROUP BY 1",
			catalog.QuoteIdent(col), quoteLiteral(r.Name), r.QualifiedName()))
	}
	out := map[string]string{}
	if len(parts) == 0 {
		return out, nil
	}
	rows, err := tg.Pool.Query(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, fmt.Errorf("digest the tenants' rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tenant, table, sum *string
		if err := rows.Scan(&tenant, &table, &sum); err != nil {
			return nil, err
		}
		if tenant != nil && table != nil && sum != nil {
			out[strings.ToLower(*tenant)+"\t"+*table] = *sum
		}
	}
	return out, rows.Err()
}

func quoteLiteral(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
