package generators

import (
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Statement is one generated SQL statement and what it touches.
type Statement struct {
	SQL string // ready to run
	// Template is SQL with every relation reference written as ⟦name⟧, so
	// the differential oracle can substitute a tenant-restricted subquery.
	Template  string
	Kind      string   // e.g. "select", "select-join", "update", "insert-foreign"
	Relations []string // relations it touches, as catalog.Relation.String()
	// Deterministic statements return the same multiset every time (no
	// LIMIT/OFFSET over a partial order): the differential oracle compares
	// only these.
	Deterministic bool
	// Write statements change data: the write oracle checks them.
	Write bool
	// Target is the relation a write changes.
	Target string
	// Copy, for COPY FROM STDIN, holds the data lines sent after SQL.
	Copy []string
	// Tenant is the tenant a write aims at (the viewer, another tenant, or
	// -1 when the tenant column is omitted); Collides marks a write aimed at
	// another tenant's key (side-channel probes).
	Tenant   int
	Collides bool
	// Unrestrictable statements call functions: the differential oracle
	// cannot restrict what a function reads.
	Unrestrictable bool
}

// String is the SQL text.
func (s Statement) String() string { return s.SQL }

// ref writes a relation reference into a template.
func ref(r *catalog.Relation) string { return "⟦" + r.String() + "⟧" }

// render replaces relation references with what sub returns for each.
func render(template string, sub func(name string) string) string {
	return replaceRefs(template, sub)
}

// finish renders SQL from Template with plain relation names.
func (s *Statement) finish(cat *catalog.Catalog) {
	s.SQL = render(s.Template, func(name string) string {
		if r := cat.Relation(name); r != nil {
			return r.QualifiedName()
		}
		return name
	})
}

// Restricted renders the statement for the owner with every tenant
// relation replaced by its rows of one tenant: what the tenant should see
// if isolation is exact. An empty tenantID restricts every relation to no
// rows (what a session without tenant context should see). ok is false
// when some relation cannot be restricted (no tenant column: views without
// one, functions). Under membership tenancy tenantID is the viewing user's
// id, and the rows kept are those of every tenant the membership table
// makes the user a member of (catalog.Membership.OwnSet).
func (s Statement) Restricted(cat *catalog.Catalog, tenantID string) (sql string, ok bool) {
	if s.Unrestrictable {
		return "", false
	}
	lit := catalog.QuoteLiteral(tenantID)
	if cat.Membership != nil {
		lit = cat.Membership.OwnSet(lit)
	}
	ok = true
	sql = render(s.Template, func(name string) string {
		r := cat.Relation(name)
		if r == nil {
			ok = false
			return name
		}
		cond, owned := cat.TenantFilter(r, "", lit)
		if !owned {
			ok = false
			return r.QualifiedName()
		}
		if tenantID == "" {
			cond = "false"
		}
		return "(SELECT * FROM " + r.QualifiedName() + " WHERE " + cond + ")"
	})
	return sql, ok
}
