package catalog

import (
	"strings"
)

// resolveOwnership finds the tables that belong to a tenant through a
// foreign-key path instead of a tenant column (chunks -> documents ->
// tenant): for each such table, Parent is the foreign key to a table that
// is itself tenant-owned. Keys whose columns are all NOT NULL are
// preferred; a table with several candidate parents takes the first by
// constraint name. Cycles are not followed. Tables declared global
// (--global) are never owned, so no table is owned through them either.
func (c *Catalog) resolveOwnership() {
	owned := func(r *Relation) bool { return r.TenantColumn != "" || r == c.TenantsTable || r.Parent != nil }
	for changed := true; changed; {
		changed = false
		for _, r := range c.Relations {
			if !r.IsTable() || owned(r) || c.DeclaredGlobal(r) {
				continue
			}
			var best *ForeignKey
			for i := range r.ForeignKeys {
				fk := &r.ForeignKeys[i]
				ref := c.Relation(fk.RefTable)
				if ref == nil || ref == r || !owned(ref) {
					continue
				}
				if best == nil || (r.notNull(fk.Columns) && !r.notNull(best.Columns)) {
					best = fk
				}
			}
			if best != nil {
				r.Parent = best
				changed = true
			}
		}
	}
}

func (r *Relation) notNull(cols []string) bool {
	for _, c := range cols {
		if col := r.Column(c); col == nil || !col.NotNull {
			return false
		}
	}
	return true
}

// Owned reports whether rows of r belong to a tenant: by a tenant column,
// as the tenants table, or through a foreign-key path.
func (c *Catalog) Owned(r *Relation) bool {
	return r.TenantColumn != "" || r == c.TenantsTable || r.Parent != nil
}

// TenantFilter returns a SQL condition over alias that holds for the rows
// of r owned by the tenant literal (a quoted id): the tenant column, the
// tenants table's key, or an IN over the parent's filter. ok is false for
// relations that belong to no tenant.
func (c *Catalog) TenantFilter(r *Relation, alias, tenantLit string) (string, bool) {
	return c.tenantFilter(r, alias, tenantLit, 0)
}

func (c *Catalog) tenantFilter(r *Relation, alias, lit string, depth int) (string, bool) {
	prefix := ""
	if alias != "" {
		prefix = alias + "."
	}
	switch {
	case r.TenantColumn != "":
		return prefix + QuoteIdent(r.TenantColumn) + " = " + lit, true
	case r == c.TenantsTable && len(r.PrimaryKey) == 1:
		return prefix + QuoteIdent(r.PrimaryKey[0]) + " = " + lit, true
	case r.Parent != nil && depth < 8:
		parent := c.Relation(r.Parent.RefTable)
		inner, ok := c.tenantFilter(parent, "", lit, depth+1)
		if !ok {
			return "", false
		}
		cols := make([]string, len(r.Parent.Columns))
		for i, col := range r.Parent.Columns {
			cols[i] = prefix + QuoteIdent(col)
		}
		refs := make([]string, len(r.Parent.RefColumns))
		for i, col := range r.Parent.RefColumns {
			refs[i] = QuoteIdent(col)
		}
		return "(" + strings.Join(cols, ", ") + ") IN (SELECT " + strings.Join(refs, ", ") + " FROM " + parent.QualifiedName() + " WHERE " + inner + ")", true
	}
	return "", false
}

// TenantKeyExpr returns a SQL expression over alias giving the tenant id
// (as text) a row of r belongs to, and the joins it needs, for digests.
func (c *Catalog) TenantKeyExpr(r *Relation, alias string) (expr, joins string, ok bool) {
	cur, curAlias := r, alias
	for depth := 0; depth < 8; depth++ {
		switch {
		case cur.TenantColumn != "":
			return curAlias + "." + QuoteIdent(cur.TenantColumn) + "::text", joins, true
		case cur == c.TenantsTable && len(cur.PrimaryKey) == 1:
			return curAlias + "." + QuoteIdent(cur.PrimaryKey[0]) + "::text", joins, true
		case cur.Parent == nil:
			return "", "", false
		}
		parent := c.Relation(cur.Parent.RefTable)
		next := alias + "_p" + string(rune('0'+depth))
		var on []string
		for i, col := range cur.Parent.Columns {
			on = append(on, curAlias+"."+QuoteIdent(col)+" = "+next+"."+QuoteIdent(cur.Parent.RefColumns[i]))
		}
		joins += " LEFT JOIN " + parent.QualifiedName() + " " + next + " ON " + strings.Join(on, " AND ")
		cur, curAlias = parent, next
	}
	return "", "", false
}

// SupportTables are tables that belong to no tenant but that tenant rows
// must reference through a NOT NULL foreign key (auth.users behind a
// memberships table, a lookup table): the generator gives every tenant
// rows of its own in them, so each tenant's rows reference only its own.
// They come in foreign-key order, before the tenant tables.
func (c *Catalog) SupportTables() []*Relation {
	seen := map[*Relation]bool{}
	var out []*Relation
	var visit func(r *Relation)
	visit = func(r *Relation) {
		for _, fk := range r.ForeignKeys {
			ref := c.Relation(fk.RefTable)
			if ref == nil || ref == r || c.Owned(ref) || !ref.IsTable() || seen[ref] || !r.notNull(fk.Columns) {
				continue
			}
			seen[ref] = true
			visit(ref)
			out = append(out, ref)
		}
	}
	for _, r := range c.TenantTables() {
		visit(r)
	}
	return sortByForeignKeys(out)
}
