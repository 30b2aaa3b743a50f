package harness

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// bulkPlan is how BulkLoad fills one table: its columns and, for each, a
// function from (tenant, row) to the COPY text of its value.
type bulkPlan struct {
	rel       *catalog.Relation
	index     int // position among the loaded tables, part of every uuid
	tenants   int
	perTenant int
	cols      []bulkCol
}

// bulkCol is one filled column. Columns left out take their defaults.
type bulkCol struct {
	name string
	put  func(b []byte, tenant, row int) []byte
}

// appendRow renders one row as a line of COPY text.
func (p *bulkPlan) appendRow(b []byte, tenant, row int) []byte {
	for i, c := range p.cols {
		if i > 0 {
			b = append(b, '\t')
		}
		b = c.put(b, tenant, row)
	}
	return append(b, '\n')
}

// col returns the function of a filled column, or nil.
func (p *bulkPlan) col(name string) func([]byte, int, int) []byte {
	for _, c := range p.cols {
		if c.name == name {
			return c.put
		}
	}
	return nil
}

// bulkPlans plans every support and tenant table in foreign-key order.
// Partitions are left out: their partitioned parent routes the rows to
// them.
func bulkPlans(cat *catalog.Catalog, opts BulkOptions, tenants []generators.Tenant) ([]*bulkPlan, error) {
	ids := make([][]byte, opts.Tenants)
	canaries := make([][]byte, opts.Tenants)
	for i := range ids {
		ids[i] = []byte(tenants[i].ID)
		canaries[i] = []byte(generators.Canary(i))
	}
	vals := &bulkValues{ids: ids, canaries: canaries}
	byName := map[string]*bulkPlan{}
	var plans []*bulkPlan
	// Support tables (auth.users behind memberships) first: every tenant
	// gets rows of its own there too, as in small worlds.
	for _, rel := range append(cat.SupportTables(), cat.TenantTables()...) {
		if isPartitionOf(cat, rel) {
			continue
		}
		p := &bulkPlan{rel: rel, index: len(plans), tenants: opts.Tenants, perTenant: opts.PerTenant}
		if rel == cat.TenantsTable {
			p.perTenant = 1
		}
		if err := vals.planColumns(cat, p, byName); err != nil {
			return nil, err
		}
		byName[rel.Schema+"."+rel.Name] = p
		plans = append(plans, p)
	}
	if len(plans) == 0 {
		return nil, fmt.Errorf("bulk load: the catalog has no tenant tables")
	}
	return plans, nil
}

// isPartitionOf reports whether rel is a partition of a partitioned table.
func isPartitionOf(cat *catalog.Catalog, rel *catalog.Relation) bool {
	for _, name := range rel.Parents {
		if p := cat.Relation(name); p != nil && p.Kind == catalog.KindPartitioned {
			return true
		}
	}
	return false
}

// bulkValues renders values; ids and canaries are precomputed per tenant.
type bulkValues struct {
	ids      [][]byte
	canaries [][]byte
}

// planColumns decides, for every column of p's table, where its values
// come from: the tenant id, a parent row of the same tenant (foreign keys),
// the column's default, or a generated value of its type.
func (v *bulkValues) planColumns(cat *catalog.Catalog, p *bulkPlan, planned map[string]*bulkPlan) error {
	rel := p.rel
	done := map[string]bool{}
	add := func(name string, put func([]byte, int, int) []byte) {
		p.cols = append(p.cols, bulkCol{name, put})
		done[name] = true
	}
	tenantID := func(b []byte, t, _ int) []byte { return append(b, v.ids[t]...) }
	if rel == cat.TenantsTable && len(rel.PrimaryKey) == 1 {
		add(rel.PrimaryKey[0], tenantID)
	}
	if rel.TenantColumn != "" && !done[rel.TenantColumn] {
		add(rel.TenantColumn, tenantID)
	}
	for _, fk := range rel.ForeignKeys {
		parent := planned[fk.RefTable]
		ref := cat.Relation(fk.RefTable)
		for i, c := range fk.Columns {
			if done[c] {
				continue
			}
			var put func([]byte, int, int) []byte
			switch {
			case ref != nil && ref == cat.TenantsTable && len(fk.Columns) == 1:
				put = tenantID
			case parent != nil && parent.col(fk.RefColumns[i]) != nil:
				put = parentValue(parent.col(fk.RefColumns[i]), parent.perTenant)
			case bulkNullable(rel, c):
				put = appendNull
			default:
				return fmt.Errorf("bulk load: %s.%s: %w: it references %s, which is not loaded before it", rel, c, errBulkColumn, fk.RefTable)
			}
			add(c, put)
		}
	}
	for ci := range rel.Columns {
		col := &rel.Columns[ci]
		if done[col.Name] || col.Generated || col.Identity || strings.HasPrefix(col.Default, "nextval(") {
			continue
		}
		key := bulkKey(rel, col.Name)
		if col.HasDefault && !key {
			continue // the default fills it, as it would for the application
		}
		put, err := v.typed(p, ci, col, key)
		if err != nil {
			return fmt.Errorf("bulk load: %s.%s (%s): %w", rel, col.Name, col.Type, err)
		}
		if put != nil {
			add(col.Name, put)
		}
	}
	return nil
}

// parentValue references the parent row (row mod the parent's rows per
// tenant) of the same tenant.
func parentValue(put func([]byte, int, int) []byte, parentRows int) func([]byte, int, int) []byte {
	return func(b []byte, t, row int) []byte { return put(b, t, row%parentRows) }
}

func bulkNullable(rel *catalog.Relation, name string) bool {
	c := rel.Column(name)
	return c != nil && !c.NotNull
}

func bulkKey(rel *catalog.Relation, name string) bool {
	for _, c := range rel.PrimaryKey {
		if c == name {
			return true
		}
	}
	for _, u := range rel.Uniques {
		for _, c := range u {
			if c == name {
				return true
			}
		}
	}
	return false
}

func appendNull(b []byte, _, _ int) []byte { return append(b, `\N`...) }

// bulkTypmodRE finds the length limit of varchar(n) and char(n).
var bulkTypmodRE = regexp.MustCompile(`\((\d+)\)`)

// bulkWords are the plain words of text values (no COPY escapes needed).
var bulkWords = []string{"alpha", "invoice", "Roadmap Q3", "secret plan", "hello world", "x"}

// typed returns the value function of a column of the given type: nil to
// leave a nullable column of an unknown type out, an error when a required
// column has a type the loader does not know. Key columns get values
// unique in the table; nullable ones hold NULL in every seventh row.
func (v *bulkValues) typed(p *bulkPlan, ci int, col *catalog.Column, key bool) (func([]byte, int, int) []byte, error) {
	put, err := v.typedValue(p, ci, col, key)
	if err != nil || put == nil || col.NotNull || key {
		return put, err
	}
	return func(b []byte, t, row int) []byte {
		if row%7 == 6 {
			return append(b, `\N`...)
		}
		return put(b, t, row)
	}, nil
}

func (v *bulkValues) typedValue(p *bulkPlan, ci int, col *catalog.Column, key bool) (func([]byte, int, int) []byte, error) {
	if choices := append(append([]string{}, col.Allowed...), col.EnumLabels...); len(choices) > 0 {
		esc := make([][]byte, len(choices))
		for i, c := range choices {
			esc[i] = []byte(copyEscape(c))
		}
		return func(b []byte, _, row int) []byte { return append(b, esc[row%len(esc)]...) }, nil
	}
	serial := func(t, row int) int { return t*p.perTenant + row }
	switch col.BaseType {
	case "uuid":
		table := p.index
		return func(b []byte, t, row int) []byte { return appendBulkUUID(b, t, table, ci, row) }, nil
	case "text", "varchar", "bpchar", "citext", "name":
		limit := 0
		if m := bulkTypmodRE.FindStringSubmatch(col.Type); m != nil {
			limit, _ = strconv.Atoi(m[1])
		}
		return func(b []byte, t, row int) []byte {
			start := len(b)
			b = append(b, v.canaries[t]...)
			if key { // "[tf:N]#000000042 word": unique, ascending within a tenant
				b = append(b, '#')
				b = appendPadded(b, row, 9)
				b = append(b, ' ')
			}
			b = append(b, bulkWords[row%len(bulkWords)]...)
			if limit > 0 && len(b)-start > limit {
				b = b[:start+limit]
			}
			return b
		}, nil
	case "int2", "int4", "int8", "numeric", "float4", "float8", "oid":
		if key {
			return func(b []byte, t, row int) []byte { return strconv.AppendInt(b, int64(serial(t, row)+1), 10) }, nil
		}
		return func(b []byte, _, row int) []byte { return strconv.AppendInt(b, int64(row%100+1), 10) }, nil
	case "bool":
		return func(b []byte, _, row int) []byte { return append(b, "tf"[row%2]) }, nil
	}
	if lit, ok := bulkConstants[col.BaseType]; ok && !key {
		return func(b []byte, t, _ int) []byte { return append(b, lit...) }, nil
	}
	switch {
	case (col.BaseType == "jsonb" || col.BaseType == "json") && !key:
		return func(b []byte, t, _ int) []byte {
			b = append(b, `{"owner": "`...)
			b = append(b, v.canaries[t]...)
			return append(b, `"}`...)
		}, nil
	case col.Category == "A" && !key:
		return func(b []byte, _, _ int) []byte { return append(b, "{}"...) }, nil
	case !col.NotNull:
		return nil, nil
	}
	return nil, errBulkColumn
}

// bulkConstants are the values of types whose value need not vary.
var bulkConstants = map[string]string{
	"date":        "2024-02-29",
	"timestamptz": "2024-02-29 12:00:00+00",
	"timestamp":   "2024-02-29 12:00:00",
	"time":        "12:00:00",
	"timetz":      "12:00:00+00",
	"interval":    "1 day",
	"bytea":       `\\x00ff`,
	"inet":        "10.0.0.1",
	"cidr":        "10.0.0.0/8",
}

// appendBulkUUID appends the uuid of a value: tenant+1, table, column and
// row are readable in it (tttttttt-TTTT-4ccc-8000-rrrrrrrrrrrr), so it is
// unique per column and traces back to its tenant. Rows rendered tenant by
// tenant come out in ascending order, so index inserts append.
func appendBulkUUID(b []byte, tenant, table, col, row int) []byte {
	b = appendHex(b, uint64(tenant+1), 8)
	b = append(b, '-')
	b = appendHex(b, uint64(table), 4)
	b = append(b, '-', '4')
	b = appendHex(b, uint64(col), 3)
	b = append(b, "-8000-"...)
	return appendHex(b, uint64(row), 12)
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v, width int) []byte {
	var d [20]byte
	digits := strconv.AppendInt(d[:0], int64(v), 10)
	for i := len(digits); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}

// appendHex appends v as width lower-case hex digits (v must fit).
func appendHex(b []byte, v uint64, width int) []byte {
	const digits = "0123456789abcdef"
	for i := width - 1; i >= 0; i-- {
		b = append(b, digits[(v>>(4*uint(i)))&0xf])
	}
	return b
}

// copyEscape escapes a value for COPY text format.
func copyEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}
