package generators

import (
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// SelectGen generates SELECT statements that read rel. Simple statements
// stay common (one relation, a projection, a WHERE); every run also gets
// joins over 2–4 relations, subqueries (IN, EXISTS, scalar, in the select
// list and WHERE), CTEs, aggregates with GROUP BY/HAVING, DISTINCT,
// UNION/INTERSECT/EXCEPT, window functions, casts and common functions,
// ORDER BY, LIMIT/OFFSET. Predicates use values of every tenant (ids, keys,
// canaries), tautologies (OR true, OR 1=1, OR tenant_id IS NOT NULL), NULL
// tests and edge values, so they aim at other tenants' rows on purpose.
func SelectGen(cat *catalog.Catalog, w *World, rel *catalog.Relation) *rapid.Generator[Statement] {
	readable := cat.Readable()
	return rapid.Custom(func(t *rapid.T) Statement {
		g := &selectGen{t: t, cat: cat, w: w, readable: readable}
		st := g.statement(rel)
		st.finish(cat)
		return st
	})
}

type src struct {
	alias string
	rel   *catalog.Relation
}

type selectGen struct {
	t        *rapid.T
	cat      *catalog.Catalog
	w        *World
	readable []*catalog.Relation
	used     []string
	aliases  int
	calls    bool // a function is called: the statement cannot be restricted
}

func (g *selectGen) draw(n int, label string) int { return rapid.IntRange(0, n-1).Draw(g.t, label) }

func (g *selectGen) alias() string {
	g.aliases++
	if g.aliases == 1 {
		return "a"
	}
	return "s" + strconv.Itoa(g.aliases)
}

func (g *selectGen) use(r *catalog.Relation) string {
	g.used = append(g.used, r.String())
	if r.Function != nil {
		g.calls = true
		args := make([]string, len(r.Function.ArgBaseTypes))
		for i, t := range r.Function.ArgBaseTypes {
			args[i] = g.literalOf(t, "argument "+strconv.Itoa(i+1)+" of "+r.Name)
		}
		return r.QualifiedName() + "(" + strings.Join(args, ", ") + ")"
	}
	return ref(r)
}

// literalOf draws a literal of a base type from the world's values (all
// tenants), or NULL.
func (g *selectGen) literalOf(base, label string) string {
	vals := g.w.byType[base]
	if len(vals) == 0 || g.draw(6, label+" null?") == 5 {
		return "NULL"
	}
	return rapid.SampledFrom(vals).Draw(g.t, label)
}

// statement picks the shape: weights keep plain SELECTs common. Shrinking
// draws towards 0, the plainest shape.
func (g *selectGen) statement(rel *catalog.Relation) Statement {
	shape := []string{"select", "select", "select", "select", "select-join", "select-join", "select-aggregate", "select-subquery", "select-cte", "select-setop", "select-window", "select-distinct"}
	kind := shape[g.draw(len(shape), "shape")]
	st := Statement{Kind: kind, Deterministic: true}
	var sql string
	switch kind {
	case "select-setop":
		sql = g.setop(rel)
	case "select-cte":
		a := g.alias()
		from := src{a, rel}
		sql = "WITH c AS (SELECT * FROM " + g.use(rel) + " x) SELECT " + g.projection([]src{from}, false) + " FROM c " + a + g.whereClause([]src{from})
	default:
		var lim bool
		sql, lim = g.query(rel, kind)
		st.Deterministic = !lim
	}
	st.Template = sql
	st.Relations = dedupe(g.used)
	st.Unrestrictable = g.calls
	return st
}

// query builds SELECT ... FROM ... WHERE ... [GROUP BY] [ORDER BY] [LIMIT].
func (g *selectGen) query(rel *catalog.Relation, kind string) (string, bool) {
	a := g.alias()
	srcs := []src{{a, rel}}
	from := g.use(rel) + " " + a
	if kind == "select-join" {
		n := 1 + g.draw(3, "joins") // 2–4 relations
		for i := 0; i < n; i++ {
			other := rapid.SampledFrom(g.readable).Draw(g.t, "join with")
			b := g.alias()
			join := []string{"JOIN", "LEFT JOIN", "CROSS JOIN"}[g.draw(3, "join kind")]
			from += " " + join + " " + g.use(other) + " " + b
			if join != "CROSS JOIN" {
				prev := srcs[g.draw(len(srcs), "join to")]
				from += " ON " + joinCondition(prev, src{b, other})
			}
			srcs = append(srcs, src{b, other})
		}
	}
	var sb strings.Builder
	sb.WriteString("SELECT ")
	group := ""
	switch kind {
	case "select-aggregate":
		proj, g2 := g.aggregate(srcs)
		sb.WriteString(proj)
		group = g2
	case "select-window":
		sb.WriteString(g.projection(srcs, false) + ", " + g.window(srcs[0]))
	case "select-distinct":
		sb.WriteString("DISTINCT " + g.projection(srcs, true))
	case "select-subquery":
		sb.WriteString(g.projection(srcs, false))
		if g.draw(2, "scalar subquery in select list?") == 1 {
			sb.WriteString(", " + g.scalarSubquery())
		}
	default:
		sb.WriteString(g.projection(srcs, false))
	}
	sb.WriteString(" FROM " + from)
	where := g.where(srcs)
	if kind == "select-subquery" {
		sub := g.subqueryPredicate(srcs[0])
		if where == "" {
			where = sub
		} else {
			where = "(" + where + ") AND " + sub
		}
	}
	if where != "" {
		sb.WriteString(" WHERE " + where)
	}
	sb.WriteString(group)
	limited := false
	if kind != "select-aggregate" && kind != "select-distinct" && g.draw(2, "order?") == 1 {
		if c := g.column(rapid.SampledFrom(srcs).Draw(g.t, "order src"), "order by", orderable); c != "" {
			sb.WriteString(" ORDER BY " + c + []string{"", " DESC", " NULLS FIRST", " DESC NULLS LAST"}[g.draw(4, "direction")])
		}
	}
	if g.draw(4, "limit?") == 3 {
		limited = true
		sb.WriteString(" LIMIT " + strconv.Itoa(g.draw(51, "limit")))
		if g.draw(2, "offset?") == 1 {
			sb.WriteString(" OFFSET " + strconv.Itoa(g.draw(4, "offset")))
		}
	}
	return sb.String(), limited
}

// setop combines two selects over rel with the same column list.
func (g *selectGen) setop(rel *catalog.Relation) string {
	a := g.alias()
	s := src{a, rel}
	proj := g.projection([]src{s}, true)
	op := []string{"UNION", "UNION ALL", "INTERSECT", "EXCEPT", "INTERSECT ALL", "EXCEPT ALL"}[g.draw(6, "set operation")]
	left := "SELECT " + proj + " FROM " + g.use(rel) + " " + a + g.whereClause([]src{s})
	right := "SELECT " + proj + " FROM " + g.use(rel) + " " + a + g.whereClause([]src{s})
	return "(" + left + ") " + op + " (" + right + ")"
}

func (g *selectGen) whereClause(srcs []src) string {
	if w := g.where(srcs); w != "" {
		return " WHERE " + w
	}
	return ""
}

// joinCondition joins along a foreign key when there is one, else on the
// tenant column, else on true.
func joinCondition(a, b src) string {
	for _, pair := range [][2]src{{a, b}, {b, a}} {
		x, y := pair[0], pair[1]
		for _, fk := range x.rel.ForeignKeys {
			if fk.RefTable == y.rel.Schema+"."+y.rel.Name {
				var conds []string
				for i, c := range fk.Columns {
					conds = append(conds, x.alias+"."+catalog.QuoteIdent(c)+" = "+y.alias+"."+catalog.QuoteIdent(fk.RefColumns[i]))
				}
				return strings.Join(conds, " AND ")
			}
		}
	}
	if a.rel.TenantColumn != "" && b.rel.TenantColumn != "" {
		return a.alias + "." + catalog.QuoteIdent(a.rel.TenantColumn) + " = " + b.alias + "." + catalog.QuoteIdent(b.rel.TenantColumn)
	}
	return "true"
}

// projection returns *, alias.*, or a list of columns, expressions and
// casts. With distinct set, only columns that support equality.
func (g *selectGen) projection(srcs []src, distinct bool) string {
	if !distinct {
		switch g.draw(5, "projection") {
		case 0:
			return "*"
		case 1:
			return srcs[0].alias + ".*"
		}
	}
	var cols []string
	for _, s := range srcs {
		for _, c := range s.rel.Columns {
			if distinct && !comparable(c) {
				continue
			}
			if g.draw(3, "project "+s.alias+"."+c.Name) == 0 {
				cols = append(cols, g.expression(s, c))
			}
		}
	}
	if len(cols) == 0 {
		s := srcs[0]
		var cs []catalog.Column
		for _, c := range s.rel.Columns {
			if !distinct || comparable(c) {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			return "1"
		}
		cols = append(cols, s.alias+"."+catalog.QuoteIdent(rapid.SampledFrom(cs).Draw(g.t, "only column").Name))
	}
	return strings.Join(cols, ", ")
}

// expression is a column, sometimes wrapped in a cast or a function.
func (g *selectGen) expression(s src, c catalog.Column) string {
	ref := s.alias + "." + catalog.QuoteIdent(c.Name)
	switch g.draw(6, "expression") {
	case 4:
		return ref + "::text"
	case 5:
		if textual(c) {
			return []string{"upper(" + ref + ")", "coalesce(" + ref + ", '')", "left(" + ref + ", 12)", "length(" + ref + ")"}[g.draw(4, "function")]
		}
		return "coalesce(" + ref + "::text, 'null')"
	}
	return ref
}

// aggregate returns a projection of aggregates and its GROUP BY/HAVING.
func (g *selectGen) aggregate(srcs []src) (string, string) {
	s := srcs[0]
	aggs := []string{"count(*)"}
	for _, c := range s.rel.Columns {
		ref := s.alias + "." + catalog.QuoteIdent(c.Name)
		switch {
		case g.draw(4, "aggregate "+c.Name) != 0:
		case orderable(c) && c.BaseType != "uuid" && c.BaseType != "bool":
			aggs = append(aggs, []string{"max(", "min(", "count("}[g.draw(3, "agg fn")]+ref+")")
		case comparable(c):
			aggs = append(aggs, "count(DISTINCT "+ref+")")
		}
	}
	group := ""
	if gc := g.column(s, "group by", comparable); gc != "" && g.draw(3, "group?") != 0 {
		aggs = append([]string{gc}, aggs...)
		group = " GROUP BY " + gc
		if g.draw(2, "having?") == 1 {
			group += " HAVING count(*) " + []string{"> 0", ">= 1", "< 1000"}[g.draw(3, "having")]
		}
	}
	return strings.Join(aggs, ", "), group
}

// window adds a window function over a partition.
func (g *selectGen) window(s src) string {
	part := g.column(s, "partition by", comparable)
	over := "OVER ()"
	if part != "" && g.draw(2, "partition?") == 1 {
		over = "OVER (PARTITION BY " + part + ")"
	}
	fn := []string{"count(*) ", "rank() ", "dense_rank() "}[g.draw(3, "window fn")]
	if fn != "count(*) " {
		o := g.column(s, "window order", orderable)
		if o == "" {
			o = "1"
		}
		if part != "" && strings.Contains(over, "PARTITION") {
			over = "OVER (PARTITION BY " + part + " ORDER BY " + o + ")"
		} else {
			over = "OVER (ORDER BY " + o + ")"
		}
	}
	return fn + over + " AS w"
}

// scalarSubquery is a scalar subquery over any readable relation.
func (g *selectGen) scalarSubquery() string {
	r := rapid.SampledFrom(g.readable).Draw(g.t, "scalar subquery relation")
	x := g.alias()
	where := g.whereClause([]src{{x, r}})
	return "(SELECT count(*) FROM " + g.use(r) + " " + x + where + ") AS n"
}

// subqueryPredicate is IN, EXISTS or a scalar comparison over another
// relation, correlated with s where types allow.
func (g *selectGen) subqueryPredicate(s src) string {
	r := rapid.SampledFrom(g.readable).Draw(g.t, "subquery relation")
	x := g.alias()
	inner := src{x, r}
	switch g.draw(3, "subquery kind") {
	case 0: // IN
		if a, b, ok := g.sameTypedPair(s, inner); ok {
			return a + " IN (SELECT " + b + " FROM " + g.use(r) + " " + x + g.whereClause([]src{inner}) + ")"
		}
	case 1: // EXISTS, correlated
		if a, b, ok := g.sameTypedPair(s, inner); ok {
			not := []string{"", "NOT "}[g.draw(2, "not exists?")]
			return not + "EXISTS (SELECT 1 FROM " + g.use(r) + " " + x + " WHERE " + b + " = " + a + ")"
		}
	}
	return "(SELECT count(*) FROM " + g.use(r) + " " + x + g.whereClause([]src{inner}) + ") " + []string{">= 0", "> 0", "= 0"}[g.draw(3, "scalar op")]
}

// sameTypedPair picks columns of a and b with the same comparable type,
// preferring same names (tenant_id with tenant_id, keys with references).
func (g *selectGen) sameTypedPair(a, b src) (string, string, bool) {
	type pair struct{ x, y string }
	var pairs []pair
	for _, ca := range a.rel.Columns {
		for _, cb := range b.rel.Columns {
			if ca.BaseType == cb.BaseType && comparable(ca) && ca.Category != "A" {
				pairs = append(pairs, pair{a.alias + "." + catalog.QuoteIdent(ca.Name), b.alias + "." + catalog.QuoteIdent(cb.Name)})
			}
		}
	}
	if len(pairs) == 0 {
		return "", "", false
	}
	p := rapid.SampledFrom(pairs).Draw(g.t, "column pair")
	return p.x, p.y, true
}

// where returns a random boolean expression, possibly empty.
func (g *selectGen) where(srcs []src) string {
	n := g.draw(4, "predicates")
	var out string
	for i := 0; i < n; i++ {
		p := g.predicate(rapid.SampledFrom(srcs).Draw(g.t, "predicate src"))
		if out == "" {
			out = p
			continue
		}
		out = "(" + out + ") " + []string{"AND", "OR"}[g.draw(2, "connective")] + " " + p
	}
	return out
}

func comparable(c catalog.Column) bool { return c.BaseType != "json" && c.BaseType != "xml" }
func orderable(c catalog.Column) bool {
	return comparable(c) && c.BaseType != "jsonb" && c.Category != "A" && c.BaseType != "bytea"
}
func textual(c catalog.Column) bool {
	switch c.BaseType {
	case "text", "varchar", "bpchar", "citext", "name":
		return true
	}
	return false
}

// column picks a column of s satisfying ok, qualified by its alias.
func (g *selectGen) column(s src, label string, ok func(catalog.Column) bool) string {
	var cols []catalog.Column
	for _, c := range s.rel.Columns {
		if ok(c) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return ""
	}
	c := rapid.SampledFrom(cols).Draw(g.t, label)
	return s.alias + "." + catalog.QuoteIdent(c.Name)
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
