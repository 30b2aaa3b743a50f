package router

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// placement is the tier invariant, read by the admin on every database:
// a database holds rows only of the tenants whose home it is, except the
// shared database's tenants table, which is the directory of every
// tenant. So an enterprise tenant's rows exist only in its dedicated
// database, and a shared tenant's never in a dedicated one.
func (c *checker) placement(ctx context.Context) (*harness.Finding, error) {
	dir := c.w.cat.TenantsTable.String()
	for _, d := range c.env.Databases() {
		hs, err := queryHeld(ctx, d.Target.Pool, c.countSQL())
		if err != nil {
			return nil, fmt.Errorf("read placement on %s: %w", d.Name, err)
		}
		for _, h := range hs {
			i := c.w.tenantOf(h.tenant)
			if d.Name == SharedDB && h.table == dir {
				continue
			}
			if i >= 0 && c.w.tenants[i].Home == d.Name {
				continue
			}
			owner := fmt.Sprintf("%q, a tenant of no world", h.tenant)
			if i >= 0 {
				owner = c.w.tenants[i].describe()
			}
			check := fmt.Sprintf("-- on database %s:\nSELECT %s, count(*) FROM ONLY %s GROUP BY 1;\n", d.Name, c.tenantCol(h.table), h.table)
			return c.tableFinding(KindTierMisplacement, h.table, i,
				[]string{fmt.Sprintf("%s.%s holds %d rows of %s", d.Name, h.table, h.n, owner)}, check), nil
		}
	}
	return nil, nil
}

// tenantCol is the column naming a table's tenant.
func (c *checker) tenantCol(table string) string {
	for _, t := range c.tables() {
		if t.name == table {
			return catalog.QuoteIdent(t.col)
		}
	}
	return "tenant_id"
}
