// Package generators holds the rapid generators of tenantfuzz: tenants, the
// rows of a small world built from the catalog, and the statements run
// against it. All randomness flows through rapid, so a seed replays a run and
// rapid can shrink a failing world to a minimal one.
package generators

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// Tenant is one generated tenant.
type Tenant struct {
	Index int    // 0-based position in World.Tenants
	ID    string // uuid text
	Label string // T1, T2, ... as reports print it
}

// Row is one generated row. Values holds SQL literals by column name;
// columns absent from Values take their defaults.
type Row struct {
	Table  *catalog.Relation
	Tenant int // index into World.Tenants
	Cols   []string
	Values map[string]string
	Key    string // the row's primary key literal(s), for evidence
	// Global: a row of a support table (a lookup, auth.users behind
	// memberships): generated for tenant Tenant, whose rows reference it,
	// but owned by no tenant. Its values carry no canary and its uuids are
	// attributed to nobody, so every tenant may see it without a finding.
	Global bool
}

// World is a small generated world: the ground truth of one check.
type World struct {
	Tenants []Tenant
	Rows    []Row
	// owner maps every generated uuid to the tenant whose row carries it.
	owner map[string]int
	// values collects, per column name, the literals generated for it across
	// all tenants: the statement generator draws predicates from it.
	values map[string][]string
	// byType collects literals by base type, for function arguments.
	byType map[string][]string
	// MatViews are refreshed after the world is inserted.
	MatViews []*catalog.Relation
	// attribute, when set, traces uuids the owner map does not know (a
	// large world's rows that are not in Rows).
	attribute func(uuid string) (int, bool)
	// Refused says, per table, which generated rows the schema refused
	// when the world was inserted (the rows are gone from Rows).
	Refused []Refusal
	// shown lists, for a large world, the tenants whose rows the view
	// holds: literals naming a tenant are drawn among them.
	shown []int
	// membership is set under membership tenancy (catalog.Membership);
	// Users are then the viewing users, viewers[k] the index in Users of
	// tenant k's viewer (-1: none).
	membership *catalog.Membership
	Users      []User
	viewers    []int
}

// Refusal is what the schema said when it refused generated rows of one
// table: how many of how many, and PostgreSQL's message for the first
// (constraint, SQLSTATE).
type Refusal struct {
	Table     string `json:"table"`
	Refused   int    `json:"refused"`
	Generated int    `json:"generated"`
	// Tenant: a tenant table's rows (not a support table's).
	Tenant   bool   `json:"tenant"`
	SQLState string `json:"sqlstate"`
	Message  string `json:"message"`
}

// Canary returns the marker embedded in tenant i's text values.
func Canary(i int) string { return "[tf:" + strconv.Itoa(i+1) + "]" }

var (
	canaryRE = regexp.MustCompile(`\[tf:(\d+)\]`)
	uuidRE   = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
)

// Owners returns the tenants a returned value can be traced to: generated
// uuids (tenant ids, primary and foreign keys) and canary markers in text,
// also inside JSON, arrays and concatenations.
func (w *World) Owners(value string) []int {
	var out []int
	eachUUID(value, func(u string) {
		if t, ok := w.owner[strings.ToLower(u)]; ok {
			if t >= 0 { // -1: a global row's key, nobody's
				out = append(out, t)
			}
		} else if w.attribute != nil {
			if t, ok := w.attribute(strings.ToLower(u)); ok && t >= 0 && t < len(w.Tenants) {
				out = append(out, t)
			}
		}
	})
	eachCanary(value, func(digits string) {
		if n, err := strconv.Atoi(digits); err == nil && n >= 1 && n <= len(w.Tenants) {
			out = append(out, n-1)
		}
	})
	return out
}

// ValuesOf returns the literals generated for a column name, all tenants.
func (w *World) ValuesOf(col string) []string { return w.values[col] }

// RowsOf returns the rows generated for a relation.
func (w *World) RowsOf(rel *catalog.Relation) []Row {
	var out []Row
	for _, r := range w.Rows {
		if r.Table == rel {
			out = append(out, r)
		}
	}
	return out
}

// owner is the tenant the row's uuids are attributed to: -1 for a global
// row.
func (r Row) owner() int {
	if r.Global {
		return -1
	}
	return r.Tenant
}

// TenantID returns the id of a tenant for use in SQL literals.
func (w *World) TenantID(i int) string { return w.Tenants[i].ID }

// tenantID is the deterministic id of the i-th tenant: readable in repros and
// never shrunk into a collision.
func tenantID(i int) string { return fmt.Sprintf(tenantIDPrefix+"%012d", i+1) }

const tenantIDPrefix = "7e4a0000-0000-4000-8000-"

// TenantIndex is the inverse of the tenant ids worlds give: the index of
// the tenant whose id is id, and whether id is one.
func TenantIndex(id string) (int, bool) {
	if len(id) != len(tenantIDPrefix)+12 || !strings.HasPrefix(id, tenantIDPrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(id[len(tenantIDPrefix):])
	return n - 1, err == nil && n >= 1
}

// rowUUID is the deterministic uuid of column col of the serial-th row.
func rowUUID(table, tenant, col, serial int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8000-%012x", table+1, tenant+1, col, serial)
}

// WorldOptions bound the size of generated worlds.
type WorldOptions struct {
	MinTenants, MaxTenants int // default 2..6
	MaxRows                int // rows per tenant and table, default 3 (at least 1)
}

// WorldGen generates worlds for the catalog's tenant tables: every tenant
// gets a row in the tenants table and 0..MaxRows rows in every other tenant
// table (empty tables matter: a row without dependents can be moved), in foreign-key order, each row referencing parents of its own
// tenant.
func WorldGen(cat *catalog.Catalog, opts WorldOptions) *rapid.Generator[*World] {
	if opts.MinTenants < 2 {
		opts.MinTenants = 2
	}
	if opts.MaxTenants < opts.MinTenants {
		opts.MaxTenants = max(opts.MinTenants, 6)
	}
	if opts.MaxRows < 1 {
		opts.MaxRows = 3
	}
	tables := append(cat.SupportTables(), cat.TenantTables()...)
	support := len(cat.SupportTables())
	return rapid.Custom(func(t *rapid.T) *World {
		n := rapid.IntRange(opts.MinTenants, opts.MaxTenants).Draw(t, "tenants")
		w := &World{owner: map[string]int{}, values: map[string][]string{}, byType: map[string][]string{}, membership: cat.Membership}
		for i := 0; i < n; i++ {
			w.Tenants = append(w.Tenants, Tenant{Index: i, ID: tenantID(i), Label: "T" + strconv.Itoa(i+1)})
			w.owner[tenantID(i)] = i
		}
		for _, r := range cat.Relations {
			if r.Kind == catalog.KindMatView {
				w.MatViews = append(w.MatViews, r)
			}
		}
		b := &builder{t: t, cat: cat, w: w}
		for ti, rel := range tables {
			if isPartition(cat, rel) {
				continue // rows inserted into the partitioned parent land here
			}
			for k := range w.Tenants {
				rows := 1
				switch {
				case ti < support: // rows other tables cannot do without
					rows = rapid.IntRange(1, opts.MaxRows).Draw(t, rel.Name+" rows of "+w.Tenants[k].Label)
				case cat.Membership != nil && rel == cat.Membership.Table: // every tenant has a user
					rows = rapid.IntRange(1, opts.MaxRows).Draw(t, rel.Name+" rows of "+w.Tenants[k].Label)
				case rel != cat.TenantsTable:
					rows = rapid.IntRange(0, opts.MaxRows).Draw(t, rel.Name+" rows of "+w.Tenants[k].Label)
				}
				b.global = ti < support
				for j := 0; j < rows; j++ {
					b.row(ti, rel, k)
				}
			}
		}
		if m := cat.Membership; m != nil {
			b.global = false
			for ti, rel := range tables {
				if rel == m.Table {
					b.joinTenants(ti, m)
				}
			}
		}
		return w
	})
}

// isPartition reports whether rel is a partition of a partitioned table.
func isPartition(cat *catalog.Catalog, rel *catalog.Relation) bool {
	for _, p := range rel.Parents {
		if pr := cat.Relation(p); pr != nil && pr.Kind == catalog.KindPartitioned {
			return true
		}
	}
	return false
}

// builder generates the rows of one world.
type builder struct {
	t      *rapid.T
	cat    *catalog.Catalog
	w      *World
	serial int
	global bool               // generating a support table's rows (Row.Global)
	shared map[sharedKey]bool // the shared texts each tenant holds (shareContent)
	// sharedRows maps a shared row's primary key (relation name, NUL,
	// literal) to its shared text, for its children.
	sharedRows map[string]int
}

// row generates one row of rel for tenant k into the world, or none when a
// required parent is missing.
func (b *builder) row(ti int, rel *catalog.Relation, k int) {
	row, ok := b.makeRow(ti, rel, k)
	if !ok {
		return
	}
	b.w.add(row)
}

// add appends a row to the world and records its literals (for the
// statements' predicates) and the uuids it carries (for attribution).
func (w *World) add(row Row) {
	for _, c := range row.Cols {
		v := row.Values[c]
		w.values[c] = append(w.values[c], v)
		if col := row.Table.Column(c); col != nil && v != "NULL" && v != "DEFAULT" {
			w.byType[col.BaseType] = append(w.byType[col.BaseType], v)
		}
		for _, u := range uuidRE.FindAllString(v, -1) {
			if _, known := w.owner[u]; !known {
				w.owner[u] = row.owner()
			}
		}
	}
	w.Rows = append(w.Rows, row)
}

// makeRow generates one row of rel for tenant k without adding it.
func (b *builder) makeRow(ti int, rel *catalog.Relation, k int) (Row, bool) {
	b.serial++
	vals := map[string]string{}
	tid := catalog.QuoteLiteral(b.w.Tenants[k].ID)
	if rel == b.cat.TenantsTable && len(rel.PrimaryKey) == 1 {
		vals[rel.PrimaryKey[0]] = tid
	}
	if rel.TenantColumn != "" {
		vals[rel.TenantColumn] = tid
	}
	for _, fk := range rel.ForeignKeys {
		if !b.foreignKey(rel, fk, k, vals) {
			return Row{}, false
		}
	}
	for ci, col := range rel.Columns {
		if _, done := vals[col.Name]; done || col.Generated || col.Identity || strings.HasPrefix(col.Default, "nextval(") {
			continue
		}
		vals[col.Name] = b.value(ti, ci, rel, &col, k)
	}
	if b.cat.Membership != nil {
		gotrueUser(rel, b.serial, vals)
	}
	b.shareContent(rel, k, vals)
	b.satisfy(ti, rel, k, vals)
	row := Row{Table: rel, Tenant: k, Values: vals, Global: b.global}
	for _, col := range rel.Columns {
		if _, ok := vals[col.Name]; ok {
			row.Cols = append(row.Cols, col.Name)
		}
	}
	var key []string
	for _, pk := range rel.PrimaryKey {
		key = append(key, pk+"="+strings.Trim(vals[pk], "'"))
	}
	row.Key = strings.Join(key, ",")
	return row, true
}

// foreignKey fills the columns of fk from a parent row of tenant k; it
// returns false when the row cannot be generated.
func (b *builder) foreignKey(rel *catalog.Relation, fk catalog.ForeignKey, k int, vals map[string]string) bool {
	ref := b.cat.Relation(fk.RefTable)
	if ref == nil {
		return b.nullable(rel, fk.Columns)
	}
	if b.global && b.cat.Owned(ref) {
		// A table declared global (--global) may point at tenant rows (a
		// profile's last-used tenant): its rows come before any tenant's
		// and belong to none, so they point at none.
		if !b.nullable(rel, fk.Columns) {
			return false
		}
		for _, c := range fk.Columns {
			vals[c] = "NULL"
		}
		return true
	}
	if ref == b.cat.TenantsTable && len(fk.Columns) == 1 {
		vals[fk.Columns[0]] = catalog.QuoteLiteral(b.w.Tenants[k].ID)
		return true
	}
	var parents []Row
	for _, r := range b.w.Rows {
		if r.Table == ref && r.Tenant == k {
			parents = append(parents, r)
		}
	}
	nullable := b.nullable(rel, fk.Columns) && (rel.Parent == nil || rel.Parent.Name != fk.Name) // the ownership path is never cut
	if len(parents) == 0 || (nullable && rapid.IntRange(0, 3).Draw(b.t, rel.Name+"."+fk.Name+" null") == 0) {
		if !nullable {
			return false
		}
		for _, c := range fk.Columns {
			if c != rel.TenantColumn {
				vals[c] = "NULL"
			}
		}
		return true
	}
	p := parents[rapid.IntRange(0, len(parents)-1).Draw(b.t, rel.Name+"."+fk.Name+" parent")]
	for i, c := range fk.Columns {
		if v, ok := p.Values[fk.RefColumns[i]]; ok {
			vals[c] = v
		}
	}
	return true
}

// nullable reports whether every non-tenant column of cols may be NULL.
func (b *builder) nullable(rel *catalog.Relation, cols []string) bool {
	for _, c := range cols {
		col := rel.Column(c)
		if c != rel.TenantColumn && (col == nil || col.NotNull) {
			return false
		}
	}
	return true
}

// isUnique reports whether a column takes part in a key, so its values must
// not repeat.
func isUnique(rel *catalog.Relation, col string) bool {
	for _, c := range rel.PrimaryKey {
		if c == col {
			return true
		}
	}
	for _, u := range rel.Uniques {
		for _, c := range u {
			if c == col {
				return true
			}
		}
	}
	return false
}

// IdentifierPattern matches what the harness may print from a returned
// value without revealing content: generated uuids and canary markers.
var IdentifierPattern = regexp.MustCompile(uuidRE.String() + `|` + canaryRE.String())

// Drop removes the rows at the given indexes (rows the schema refused),
// so the world stays the ground truth, and forgets the identifiers only
// those rows carried.
func (w *World) Drop(indexes []int) {
	if len(indexes) == 0 {
		return
	}
	gone := map[int]bool{}
	for _, i := range indexes {
		gone[i] = true
	}
	var kept []Row
	for i, r := range w.Rows {
		if !gone[i] {
			kept = append(kept, r)
		}
	}
	w.Rows = kept
	w.owner = map[string]int{}
	for _, t := range w.Tenants {
		w.owner[t.ID] = t.Index
	}
	for _, r := range kept {
		for _, c := range r.Cols {
			for _, u := range uuidRE.FindAllString(r.Values[c], -1) {
				if _, known := w.owner[u]; !known {
					w.owner[u] = r.owner()
				}
			}
		}
	}
	w.resolveUsers()
}
