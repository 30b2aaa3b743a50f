package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// How a table's rows are attributed to tenants (Treatment.Treated).
const (
	TreatedTenantColumn = "tenant column" // the tenant column names the tenant
	TreatedTenantsTable = "tenants table" // each row is a tenant
	TreatedParent       = "owned through" // a foreign key to a tenant-owned table (Treatment.Through)
	TreatedSupport      = "support"       // global, but tenant rows reference it by a NOT NULL key: rows generated with each world, nobody's
	TreatedGlobal       = "global"        // belongs to no tenant: every tenant may read it, no read property applies
)

// Treatment says how one table was treated and why.
type Treatment struct {
	Relation string
	Treated  string // one of the Treated* constants ("owned through <fk>" for TreatedParent)
	Through  string // TreatedParent: the foreign key's name
	Parent   string // TreatedParent: the table it references
	By       string // "detected", "--global" or "--owned"
}

// declare marks the tables of --global before ownership is resolved (so
// no table is owned through them) and checks that each names a table that
// can be global: one without the tenant column that is not the tenants
// table.
func (c *Catalog) declare(global, owned []string) error {
	c.declared = map[*Relation]string{}
	for _, name := range global {
		r, err := c.declaredTable("--global", name)
		if err != nil {
			return err
		}
		switch {
		case r.TenantColumn != "":
			return fmt.Errorf("--global %s: %s has the tenant column %q, so its rows belong to tenants: drop --global %s (or pass the right --tenant-column)", name, r, r.TenantColumn, name)
		case r == c.TenantsTable:
			return fmt.Errorf("--global %s: %s is the tenants table (the tenant columns reference it): drop --global %s", name, r, name)
		}
		c.declared[r] = "--global"
	}
	for _, name := range owned {
		r, err := c.declaredTable("--owned", name)
		if err != nil {
			return err
		}
		if c.declared[r] == "--global" {
			return fmt.Errorf("--owned %s: %s is also passed to --global: keep one of the two", name, r)
		}
		c.declared[r] = "--owned"
	}
	return nil
}

func (c *Catalog) declaredTable(flag, name string) (*Relation, error) {
	r := c.Relation(name)
	if r == nil || !r.IsTable() {
		var tables []string
		for _, t := range c.Relations {
			if t.IsTable() && t.TenantColumn == "" {
				tables = append(tables, t.String())
			}
		}
		return nil, fmt.Errorf("%s %s: no table %s in the schema (tables without the tenant column: %s): name a table as schema.table, or bare for schema public", flag, name, name, strings.Join(tables, ", "))
	}
	return r, nil
}

// checkOwned fails when a table passed to --owned has no way to a tenant
// after ownership was resolved: without a tenant column or a foreign key
// to a tenant table, no row of it can be attributed.
func (c *Catalog) checkOwned() error {
	var bad []string
	for r, by := range c.declared {
		if by == "--owned" && !c.Owned(r) {
			bad = append(bad, r.String())
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("--owned %s: %s has no %q column and no foreign key to a table that belongs to a tenant, so none of its rows can be attributed to one: add the column or the foreign key, or drop --owned",
		bad[0], bad[0], c.TenantColumn)
}

// DeclaredGlobal reports whether r was declared global by --global.
func (c *Catalog) DeclaredGlobal(r *Relation) bool { return c.declared[r] == "--global" }

// Tenancy lists every table with how it was treated, in name order: the
// report's account of which rows the run attributed to whom.
func (c *Catalog) Tenancy() []Treatment {
	support := map[*Relation]bool{}
	for _, r := range c.SupportTables() {
		support[r] = true
	}
	var out []Treatment
	for _, r := range c.Relations {
		if !r.IsTable() {
			continue
		}
		t := Treatment{Relation: r.String(), By: "detected"}
		if by := c.declared[r]; by != "" {
			t.By = by
		}
		switch {
		case r.TenantColumn != "":
			t.Treated = TreatedTenantColumn
		case r == c.TenantsTable:
			t.Treated = TreatedTenantsTable
		case r.Parent != nil:
			t.Treated, t.Through, t.Parent = TreatedParent+" "+r.Parent.Name, r.Parent.Name, r.Parent.RefTable
			if p := c.Relation(r.Parent.RefTable); p != nil {
				t.Parent = p.String()
			}
		case support[r]:
			t.Treated = TreatedSupport
		default:
			t.Treated = TreatedGlobal
		}
		out = append(out, t)
	}
	return out
}
