package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// digests maps "relation\x00tenant key" to the digest of that tenant's rows
// in that relation (count and md5 of the sorted row texts). The tenant key
// is the tenant column's text ("" for NULL); for the tenants table, its id;
// for tables owned through a parent, the parent's tenant.
type digests map[string]string

// digestSQL builds one query over every tenant table (each physical table
// once: ONLY), run by the admin role.
func (t *Target) digestSQL() string {
	var parts []string
	for _, r := range t.Catalog.TenantTables() {
		key, joins, ok := t.Catalog.TenantKeyExpr(r, "t")
		if !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT %s AS rel, coalesce(%s, '') AS tenant, count(*)::text || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ONLY %s t%s GROUP BY 2",
			catalog.QuoteLiteral(r.String()), key, r.QualifiedName(), joins))
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// takeDigests reads the per-tenant digests inside tx.
func (t *Target) takeDigests(ctx context.Context, tx pgx.Tx) (digests, error) {
	rows, err := tx.Query(ctx, t.digestSQL())
	if err != nil {
		return nil, fmt.Errorf("take tenant digests: %w", err)
	}
	defer rows.Close()
	d := digests{}
	for rows.Next() {
		var rel, tenant, digest string
		if err := rows.Scan(&rel, &tenant, &digest); err != nil {
			return nil, fmt.Errorf("take tenant digests: %w", err)
		}
		d[rel+"\x00"+tenant] = digest
	}
	return d, rows.Err()
}

// change is one tenant's rows changed in one relation.
type change struct {
	relation, tenant string
}

// changed lists the (relation, tenant) pairs whose rows differ between
// before and after, sorted, skipping the allowed tenants (the viewer's
// own).
func changed(before, after digests, allowed map[string]bool) []change {
	var out []change
	seen := map[string]bool{}
	for _, d := range []digests{before, after} {
		for k := range d {
			if seen[k] || before[k] == after[k] {
				continue
			}
			seen[k] = true
			rel, tenant, _ := strings.Cut(k, "\x00")
			if !allowed[tenant] {
				out = append(out, change{rel, tenant})
			}
		}
	}
	sortChanges(out)
	return out
}

func sortChanges(c []change) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && (c[j].relation < c[j-1].relation || (c[j].relation == c[j-1].relation && c[j].tenant < c[j-1].tenant)); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}
