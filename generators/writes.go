package generators

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// WriteGen generates writes to rel by the viewer tenant, for every command
// the application role is granted on it: INSERT with the viewer's, another
// tenant's and an omitted tenant id; INSERT … SELECT; UPDATE with and
// without WHERE, moving rows to another tenant, with RETURNING; DELETE with
// and without WHERE and RETURNING; INSERT … ON CONFLICT DO UPDATE / DO
// NOTHING on other tenants' keys; MERGE; TRUNCATE; COPY FROM STDIN.
//
// Inserted rows copy a generated row of the aimed tenant (so foreign keys
// point at that tenant's parents), with fresh keys that collide with
// nothing, unless the statement aims at another tenant's key on purpose.
func WriteGen(cat *catalog.Catalog, w *World, rel *catalog.Relation, viewer int) *rapid.Generator[Statement] {
	readable := cat.Readable()
	return rapid.Custom(func(t *rapid.T) Statement {
		g := &writeGen{selectGen: selectGen{t: t, cat: cat, w: w, readable: readable}, rel: rel, viewer: viewer}
		kinds := g.kinds()
		st := Statement{Write: true, Target: rel.String(), Tenant: viewer}
		if len(kinds) == 0 {
			st.Kind = "select"
			st.Template = "SELECT 1"
		} else {
			st.Kind = kinds[g.draw(len(kinds), "write kind")]
			g.build(&st)
		}
		st.Relations = dedupe(append([]string{rel.String()}, g.used...))
		st.finish(cat)
		return st
	})
}

type writeGen struct {
	selectGen
	rel    *catalog.Relation
	viewer int
}

// kinds lists the write kinds the role's privileges allow, the common ones
// first (shrinking goes there).
func (g *writeGen) kinds() []string {
	p := g.rel.Priv
	var k []string
	if p.Update { // weighted: moves and updates need luck with foreign keys and shared values
		k = append(k, "update", "update")
		if g.rel.TenantColumn != "" || g.rel.Parent != nil {
			k = append(k, "update-move", "update-move", "update-move")
		}
	}
	if p.Insert {
		k = append(k, "insert-own", "insert-foreign")
		if g.rel.TenantColumn != "" {
			k = append(k, "insert-omitted")
		}
		k = append(k, "insert-select", "copy")
		if len(g.rel.PrimaryKey) > 0 {
			k = append(k, "upsert-nothing")
			if p.Update {
				k = append(k, "upsert-update")
			}
		}
	}
	if p.Delete {
		k = append(k, "delete")
	}
	if p.Insert && p.Update && len(g.rel.PrimaryKey) > 0 {
		k = append(k, "merge")
	}
	if p.Truncate {
		k = append(k, "truncate")
	}
	return k
}

func (g *writeGen) other() int {
	n := len(g.w.Tenants)
	return (g.viewer + 1 + g.draw(n-1, "other tenant")) % n
}

func (g *writeGen) returning(alias string) string {
	if g.draw(2, "returning?") == 1 {
		if alias == "" {
			return " RETURNING *"
		}
		return " RETURNING " + alias + ".*"
	}
	return ""
}

func (g *writeGen) build(st *Statement) {
	rel := g.rel
	a := src{"a", rel}
	g.aliases = 1
	target := ref(rel)
	switch st.Kind {
	case "insert-own", "insert-foreign", "insert-omitted":
		tenant := g.viewer
		if st.Kind == "insert-foreign" {
			tenant = g.other()
		}
		st.Tenant = tenant
		cols, vals := g.row(tenant, false, st.Kind == "insert-omitted")
		if st.Kind == "insert-omitted" {
			st.Tenant = -1
		}
		st.Template = "INSERT INTO " + target + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")" + g.returning("")
	case "insert-select":
		st.Template = g.insertSelect(st)
	case "copy":
		tenant := g.viewer
		if g.draw(2, "copy foreign?") == 1 {
			tenant = g.other()
		}
		st.Tenant = tenant
		cols, vals := g.row(tenant, false, false)
		var cc, data []string
		for i, v := range vals {
			if c, ok := copyValue(v); ok {
				cc = append(cc, cols[i])
				data = append(data, c)
			}
		}
		st.Template = "COPY " + target + " (" + strings.Join(cc, ", ") + ") FROM STDIN"
		st.Copy = []string{strings.Join(data, "\t")}
	case "update":
		c := g.settable()
		if c == nil {
			st.Template = "UPDATE " + target + " a SET " + catalog.QuoteIdent(g.rel.Columns[0].Name) + " = a." + catalog.QuoteIdent(g.rel.Columns[0].Name) + g.whereClause([]src{a}) + g.returning("a")
			return
		}
		st.Template = "UPDATE " + target + " a SET " + catalog.QuoteIdent(c.Name) + " = " + g.ownValue(c) + g.whereClause([]src{a}) + g.returning("a")
	case "update-move":
		col := g.tenantKey()
		other := g.other()
		st.Tenant = other
		set := catalog.QuoteIdent(col) + " = " + catalog.QuoteLiteral(g.w.TenantID(other))
		if rel.TenantColumn == "" && rel.Parent != nil { // owned through a parent: point at another tenant's parent
			set = g.reparent(other)
		}
		for _, fk := range rel.ForeignKeys { // composite keys with the tenant column: unlink nullable parts
			for _, c := range fk.Columns {
				if cc := rel.Column(c); c != col && cc != nil && !cc.NotNull && len(fk.Columns) > 1 {
					set += ", " + catalog.QuoteIdent(c) + " = NULL"
				}
			}
		}
		where := ""
		if g.draw(4, "move with where?") == 3 { // WHERE and RETURNING make PostgreSQL check the new row against SELECT policies
			where = g.whereClause([]src{a})
		}
		ret := ""
		if g.draw(4, "move returning?") == 3 {
			ret = " RETURNING a.*"
		}
		st.Template = "UPDATE " + target + " a SET " + set + where + ret
	case "delete":
		st.Template = "DELETE FROM " + target + " a" + g.whereClause([]src{a}) + g.returning("a")
	case "upsert-nothing", "upsert-update":
		tenant, collide := g.viewer, g.draw(3, "collide with whom") // 0 nothing, 1 own key, 2 foreign key
		cols, vals := g.row(tenant, collide > 0, false)
		if collide > 0 {
			g.stealKey(cols, vals, map[bool]int{true: g.viewer, false: g.other()}[collide == 1])
			st.Collides = collide == 2
		}
		conflict := " ON CONFLICT (" + quoteAll(rel.PrimaryKey) + ") DO NOTHING"
		if st.Kind == "upsert-update" {
			c := g.settable()
			if c == nil {
				c = &rel.Columns[0]
			}
			conflict = " ON CONFLICT (" + quoteAll(rel.PrimaryKey) + ") DO UPDATE SET " + catalog.QuoteIdent(c.Name) + " = EXCLUDED." + catalog.QuoteIdent(c.Name)
		}
		st.Template = "INSERT INTO " + target + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")" + conflict + g.returning("")
	case "merge":
		cols, vals := g.row(g.viewer, false, false)
		if g.draw(2, "merge on a foreign key?") == 1 {
			g.stealKey(cols, vals, g.other())
			st.Collides = true
		}
		var on, set, ins []string
		for _, k := range rel.PrimaryKey {
			on = append(on, "t."+catalog.QuoteIdent(k)+" = s."+catalog.QuoteIdent(k))
		}
		c := g.settable()
		if c == nil {
			c = &rel.Columns[0]
		}
		set = append(set, catalog.QuoteIdent(c.Name)+" = s."+catalog.QuoteIdent(c.Name))
		for _, col := range cols {
			ins = append(ins, "s."+col)
		}
		sel := make([]string, len(cols))
		for i := range cols {
			sel[i] = "CAST(" + vals[i] + " AS " + g.columnType(cols[i]) + ") AS " + cols[i]
		}
		st.Template = "MERGE INTO " + target + " t USING (SELECT " + strings.Join(sel, ", ") + ") s ON " + strings.Join(on, " AND ") +
			" WHEN MATCHED THEN UPDATE SET " + strings.Join(set, ", ") + " WHEN NOT MATCHED THEN INSERT (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ins, ", ") + ")"
	case "truncate":
		st.Template = "TRUNCATE " + target + []string{"", " CASCADE"}[g.draw(2, "cascade?")]
	}
}

// reparent sets the ownership foreign key to a parent row of tenant other
// (or to NULL when other has none).
func (g *writeGen) reparent(other int) string {
	fk := g.rel.Parent
	var parents []Row
	for _, r := range g.w.Rows {
		if r.Table.Schema+"."+r.Table.Name == fk.RefTable && r.Tenant == other {
			parents = append(parents, r)
		}
	}
	var parent *Row
	if len(parents) > 0 {
		parent = &parents[g.draw(len(parents), "new parent")]
	}
	var sets []string
	for i, c := range fk.Columns {
		v := "NULL"
		if parent != nil {
			v = parent.Values[fk.RefColumns[i]]
		}
		sets = append(sets, catalog.QuoteIdent(c)+" = "+v)
	}
	return strings.Join(sets, ", ")
}

// columnType is the SQL type of a (quoted) column of rel.
func (g *writeGen) columnType(quoted string) string {
	for _, c := range g.rel.Columns {
		if catalog.QuoteIdent(c.Name) == quoted {
			return c.Type
		}
	}
	return "text"
}

// tenantKey is the column that says whose a row is.
func (g *writeGen) tenantKey() string {
	if g.rel.TenantColumn != "" {
		return g.rel.TenantColumn
	}
	return g.rel.PrimaryKey[0]
}

// insertSelect copies rows of rel, sometimes into another tenant.
func (g *writeGen) insertSelect(st *Statement) string {
	a := src{"a", g.rel}
	var cols, exprs []string
	foreign := g.draw(2, "copy into another tenant?") == 1
	other := g.other()
	for _, c := range g.rel.Columns {
		if c.Generated || c.Identity || strings.HasPrefix(c.Default, "nextval(") {
			continue
		}
		ref := "a." + catalog.QuoteIdent(c.Name)
		expr := ref
		switch {
		case c.Name == g.rel.TenantColumn && foreign:
			expr = catalog.QuoteLiteral(g.w.TenantID(other))
			st.Tenant = other
		case isUnique(g.rel, c.Name) && c.BaseType == "uuid":
			expr = "gen_random_uuid()"
		case isUnique(g.rel, c.Name) && textual(c):
			expr = ref + " || ' copy ' || gen_random_uuid()"
		case isUnique(g.rel, c.Name):
			continue
		}
		cols = append(cols, catalog.QuoteIdent(c.Name))
		exprs = append(exprs, expr)
	}
	return "INSERT INTO " + ref(g.rel) + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(exprs, ", ") + " FROM " + g.use(g.rel) + " a" + g.whereClause([]src{a}) + g.returning("")
}

// row returns the columns and literals of a new row for tenant: a copy of
// one of the tenant's generated rows with fresh keys. keepKeys keeps the
// copied keys (for collisions); omitTenant leaves the tenant column out.
func (g *writeGen) row(tenant int, keepKeys, omitTenant bool) ([]string, []string) {
	var mine []Row
	for _, r := range g.w.RowsOf(g.rel) {
		if r.Tenant == tenant {
			mine = append(mine, r)
		}
	}
	var tmpl Row
	if len(mine) > 0 {
		tmpl = mine[g.draw(len(mine), "template row")]
	} else {
		tmpl = g.newRow(tenant)
	}
	var cols, vals []string
	for ci, c := range g.rel.Columns {
		v, ok := tmpl.Values[c.Name]
		if !ok || v == "DEFAULT" {
			continue
		}
		if c.Name == g.rel.TenantColumn && omitTenant {
			continue
		}
		if !keepKeys && isUnique(g.rel, c.Name) && !g.isForeignKey(c.Name) && c.Name != g.rel.TenantColumn {
			v = freshValue(g.t, c, ci, tenant)
		}
		cols = append(cols, catalog.QuoteIdent(c.Name))
		vals = append(vals, v)
	}
	return cols, vals
}

// newRow generates a row of rel for tenant from the column types, for a
// tenant that has no row of rel to copy. Its keys lie beyond the world's.
func (g *writeGen) newRow(tenant int) Row {
	ti := 0
	for i, r := range g.cat.TenantTables() {
		if r == g.rel {
			ti = i
		}
	}
	b := &builder{t: g.t, cat: g.cat, w: g.w, serial: 1 << 20}
	if r, ok := b.makeRow(ti, g.rel, tenant); ok {
		return r
	}
	for _, r := range g.w.RowsOf(g.rel) { // a required parent is missing: copy any row (the write will be refused)
		return r
	}
	return Row{}
}

// stealKey overwrites the primary key literals with those of a row of
// tenant owner: the write then collides with that row.
func (g *writeGen) stealKey(cols, vals []string, owner int) {
	var theirs []Row
	for _, r := range g.w.RowsOf(g.rel) {
		if r.Tenant == owner {
			theirs = append(theirs, r)
		}
	}
	if len(theirs) == 0 {
		return
	}
	victim := theirs[g.draw(len(theirs), "victim row")]
	for _, k := range g.rel.PrimaryKey {
		for i, c := range cols {
			if c == catalog.QuoteIdent(k) {
				vals[i] = victim.Values[k]
			}
		}
	}
}

func (g *writeGen) isForeignKey(col string) bool {
	for _, fk := range g.rel.ForeignKeys {
		for _, c := range fk.Columns {
			if c == col {
				return true
			}
		}
	}
	return false
}

// settable picks a column an UPDATE may set: not a key, not the tenant
// column, not generated.
func (g *writeGen) settable() *catalog.Column {
	var cs []*catalog.Column
	for i := range g.rel.Columns {
		c := &g.rel.Columns[i]
		if c.Name == g.rel.TenantColumn || isUnique(g.rel, c.Name) || g.isForeignKey(c.Name) || c.Generated || c.Identity {
			continue
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil
	}
	return cs[g.draw(len(cs), "set column")]
}

// ownValue is a value of the viewer's own rows for column c or, for text
// columns that take any text, sometimes a new one carrying the viewer's
// canary: a table with one row per tenant (a directory) then sees its own
// row change, the write's positive control.
func (g *writeGen) ownValue(c *catalog.Column) string {
	edited := Canary(g.viewer) + "edited"
	if textual(*c) && len(c.Allowed) == 0 && len(c.EnumLabels) == 0 && fits(c, edited) && g.draw(3, "edit value?") == 0 {
		return catalog.QuoteLiteral(edited)
	}
	var vals []string
	for _, r := range g.w.RowsOf(g.rel) {
		if v, ok := r.Values[c.Name]; ok && r.Tenant == g.viewer && v != "DEFAULT" {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return "NULL"
	}
	return vals[g.draw(len(vals), "new value")]
}

// fits reports whether a text value fits the column's declared length
// (varchar(n), char(n)) and the length, pattern and exclusion rules of its
// CHECKs; columns without any take any text.
func fits(c *catalog.Column, v string) bool {
	n := len([]rune(v))
	if n < c.MinLen || (c.MaxLen > 0 && n > c.MaxLen) || len(c.Patterns) > 0 {
		return false
	}
	return !slices.Contains(c.Excluded, v)
}

// freshValue is a key value no generated row has, within what the
// column's CHECKs and length allow (a matching value for a pattern, a uuid
// for an application-generated varchar(36) id).
func freshValue(t *rapid.T, c catalog.Column, ci, tenant int) string {
	id := fmt.Sprintf("f1e5f1e5-%04x-4%03x-8000-000000000001", tenant+1, ci)
	switch {
	case c.BaseType == "uuid":
		return catalog.QuoteLiteral(id)
	case textual(c) && len(c.Patterns) > 0:
		if s, ok := matchAll(t, c.Name+" fresh", c.Patterns, c.MinLen, c.MaxLen, true, 1<<20+ci, Canary(tenant)); ok {
			return catalog.QuoteLiteral(s)
		}
		return catalog.QuoteLiteral(Canary(tenant) + "fresh-" + strconv.Itoa(ci))
	case textual(c) && strings.Contains(machineChosen(&c), "uuid") && (c.MaxLen == 0 || c.MaxLen >= 36):
		return catalog.QuoteLiteral(id)
	case textual(c):
		s := Canary(tenant) + "fresh-" + strconv.Itoa(ci)
		if c.MaxLen > 0 && len(s) > c.MaxLen {
			s = s[len(s)-c.MaxLen:] // the distinct end; too short for the canary
		}
		for len(s) < c.MinLen {
			s += "x"
		}
		return catalog.QuoteLiteral(s)
	default:
		return strconv.Itoa(900000000 + ci)
	}
}

func quoteAll(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = catalog.QuoteIdent(c)
	}
	return strings.Join(q, ", ")
}

// copyValue converts a SQL literal into COPY text format; false for
// literals COPY cannot take as text (ARRAY[...] constructors).
func copyValue(lit string) (string, bool) {
	switch {
	case lit == "NULL":
		return `\N`, true
	case strings.HasPrefix(lit, "'") && strings.HasSuffix(lit, "'"):
		s := strings.ReplaceAll(lit[1:len(lit)-1], "''", "'")
		s = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
		return s, true
	case strings.HasPrefix(lit, "ARRAY"):
		return "", false
	}
	return lit, true
}
