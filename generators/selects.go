package generators

import (
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// SelectGen generates SELECT statements that read rel: random projection,
// random WHERE (comparisons with values of every tenant, LIKE on canaries,
// IN lists, NULL tests, tautologies such as OR true and explicit foreign
// tenant ids), ORDER BY, LIMIT/OFFSET, and sometimes a join with a second
// readable relation. Values come from the whole world, so predicates aim at
// other tenants' rows on purpose.
func SelectGen(cat *catalog.Catalog, w *World, rel *catalog.Relation) *rapid.Generator[Statement] {
	readable := cat.Readable()
	return rapid.Custom(func(t *rapid.T) Statement {
		g := &selectGen{t: t, cat: cat, w: w}
		st := Statement{Kind: "select", Relations: []string{rel.String()}}
		from := rel.QualifiedName() + " a"
		srcs := []src{{"a", rel}}
		if len(readable) > 1 && rapid.IntRange(0, 3).Draw(t, "join?") == 3 {
			other := rapid.SampledFrom(readable).Draw(t, "join with")
			kind := rapid.SampledFrom([]string{"JOIN", "LEFT JOIN", "CROSS JOIN"}).Draw(t, "join kind")
			from += " " + kind + " " + other.QualifiedName() + " b"
			if kind != "CROSS JOIN" {
				from += " ON " + joinCondition(rel, other)
			}
			srcs = append(srcs, src{"b", other})
			st.Kind = "select-join"
			st.Relations = append(st.Relations, other.String())
		}
		var sb strings.Builder
		sb.WriteString("SELECT ")
		sb.WriteString(g.projection(srcs))
		sb.WriteString(" FROM ")
		sb.WriteString(from)
		if where := g.where(srcs); where != "" {
			sb.WriteString(" WHERE ")
			sb.WriteString(where)
		}
		if rapid.Bool().Draw(t, "order?") {
			s := rapid.SampledFrom(srcs).Draw(t, "order src")
			if c := g.column(s, "order by", comparable); c != "" {
				sb.WriteString(" ORDER BY " + c + rapid.SampledFrom([]string{"", " DESC", " NULLS FIRST", " DESC NULLS LAST"}).Draw(t, "direction"))
			}
		}
		if rapid.IntRange(0, 3).Draw(t, "limit?") == 3 {
			sb.WriteString(" LIMIT " + strconv.Itoa(rapid.IntRange(0, 50).Draw(t, "limit")))
			if rapid.Bool().Draw(t, "offset?") {
				sb.WriteString(" OFFSET " + strconv.Itoa(rapid.IntRange(0, 3).Draw(t, "offset")))
			}
		}
		st.SQL = sb.String()
		return st
	})
}

type src struct {
	alias string
	rel   *catalog.Relation
}

type selectGen struct {
	t   *rapid.T
	cat *catalog.Catalog
	w   *World
}

// joinCondition joins along a foreign key when there is one, else on the
// tenant column, else on true.
func joinCondition(a, b *catalog.Relation) string {
	for _, pair := range []struct {
		x, y   *catalog.Relation
		ax, ay string
	}{{a, b, "a", "b"}, {b, a, "b", "a"}} {
		for _, fk := range pair.x.ForeignKeys {
			if fk.RefTable == pair.y.Schema+"."+pair.y.Name {
				var conds []string
				for i, c := range fk.Columns {
					conds = append(conds, pair.ax+"."+catalog.QuoteIdent(c)+" = "+pair.ay+"."+catalog.QuoteIdent(fk.RefColumns[i]))
				}
				return strings.Join(conds, " AND ")
			}
		}
	}
	if a.TenantColumn != "" && b.TenantColumn != "" {
		return "a." + catalog.QuoteIdent(a.TenantColumn) + " = b." + catalog.QuoteIdent(b.TenantColumn)
	}
	return "true"
}

// projection returns *, alias.*, or a random list of columns.
func (g *selectGen) projection(srcs []src) string {
	switch rapid.IntRange(0, 4).Draw(g.t, "projection") {
	case 0:
		return "*"
	case 1:
		return srcs[0].alias + ".*"
	}
	var cols []string
	for _, s := range srcs {
		for _, c := range s.rel.Columns {
			if rapid.IntRange(0, 2).Draw(g.t, "project "+s.alias+"."+c.Name) == 0 {
				cols = append(cols, s.alias+"."+catalog.QuoteIdent(c.Name))
			}
		}
	}
	if len(cols) == 0 {
		s := srcs[0]
		c := rapid.SampledFrom(s.rel.Columns).Draw(g.t, "only column")
		cols = append(cols, s.alias+"."+catalog.QuoteIdent(c.Name))
	}
	return strings.Join(cols, ", ")
}

// where returns a random boolean expression, possibly empty.
func (g *selectGen) where(srcs []src) string {
	n := rapid.IntRange(0, 3).Draw(g.t, "predicates")
	var out string
	for i := 0; i < n; i++ {
		p := g.predicate(rapid.SampledFrom(srcs).Draw(g.t, "predicate src"))
		if p == "" {
			continue
		}
		if out == "" {
			out = p
			continue
		}
		out = "(" + out + ") " + rapid.SampledFrom([]string{"AND", "OR"}).Draw(g.t, "connective") + " " + p
	}
	return out
}

func comparable(c catalog.Column) bool { return c.BaseType != "json" && c.BaseType != "xml" }
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

// predicate returns one predicate over s.
func (g *selectGen) predicate(s src) string {
	var cols []catalog.Column
	for _, c := range s.rel.Columns {
		if comparable(c) {
			cols = append(cols, c)
		}
	}
	tautologies := []string{"true", "1 = 1", "NOT false"}
	if len(cols) == 0 {
		return rapid.SampledFrom(tautologies).Draw(g.t, "tautology")
	}
	c := rapid.SampledFrom(cols).Draw(g.t, "predicate column")
	ref := s.alias + "." + catalog.QuoteIdent(c.Name)
	vals := g.w.ValuesOf(c.Name)
	value := func(label string) string {
		if len(vals) == 0 {
			return "NULL"
		}
		return rapid.SampledFrom(vals).Draw(g.t, label)
	}
	foreignID := func() string {
		return quote(g.w.TenantID(rapid.IntRange(0, len(g.w.Tenants)-1).Draw(g.t, "tenant id")))
	}
	switch rapid.IntRange(0, 11).Draw(g.t, "predicate kind") {
	case 0, 1:
		return ref + " = " + value("value")
	case 2:
		return ref + rapid.SampledFrom([]string{" <> ", " < ", " >= "}).Draw(g.t, "operator") + value("value")
	case 3:
		return ref + " IN (" + value("in 1") + ", " + value("in 2") + ")"
	case 4:
		return ref + rapid.SampledFrom([]string{" IS NULL", " IS NOT NULL"}).Draw(g.t, "null test")
	case 5:
		if textual(c) {
			other := rapid.IntRange(0, len(g.w.Tenants)-1).Draw(g.t, "canary tenant")
			return ref + " LIKE " + quote("%"+Canary(other)+"%")
		}
		return ref + " IS NOT NULL"
	case 6:
		return "(" + ref + " = " + value("value") + " OR " + rapid.SampledFrom(tautologies).Draw(g.t, "tautology") + ")"
	case 7:
		if s.rel.TenantColumn != "" {
			return s.alias + "." + catalog.QuoteIdent(s.rel.TenantColumn) + rapid.SampledFrom([]string{" = ", " <> "}).Draw(g.t, "tenant op") + foreignID()
		}
		return ref + " = " + value("value")
	case 8:
		if s.rel.TenantColumn != "" {
			ids := make([]string, len(g.w.Tenants))
			for i := range g.w.Tenants {
				ids[i] = quote(g.w.TenantID(i))
			}
			return s.alias + "." + catalog.QuoteIdent(s.rel.TenantColumn) + " IN (" + strings.Join(ids, ", ") + ")"
		}
		return ref + " IS NOT NULL OR true"
	case 9:
		if s.rel.TenantColumn != "" {
			return s.alias + "." + catalog.QuoteIdent(s.rel.TenantColumn) + " IS NOT NULL"
		}
		return "NOT (" + ref + " = " + value("value") + ")"
	case 10:
		return "NOT (" + ref + " = " + value("value") + ")"
	default:
		return rapid.SampledFrom(tautologies).Draw(g.t, "tautology")
	}
}
