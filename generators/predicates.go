package generators

import (
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// maxInList bounds the tenant ids of one IN list (large worlds have thousands).
const maxInList = 8

var tautologies = []string{"true", "1 = 1", "NOT false"}

// predicate returns one predicate over s: comparisons with values of every
// tenant, IN lists, NULL tests, LIKE on other tenants' canaries, explicit
// tenant ids, tautologies, and predicates that only match NULL or edge
// values.
func (g *selectGen) predicate(s src) string {
	var cols []catalog.Column
	for _, c := range s.rel.Columns {
		if comparable(c) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return rapid.SampledFrom(tautologies).Draw(g.t, "tautology")
	}
	c := rapid.SampledFrom(cols).Draw(g.t, "predicate column")
	ref := s.alias + "." + catalog.QuoteIdent(c.Name)
	tcol := ""
	if s.rel.TenantColumn != "" {
		tcol = s.alias + "." + catalog.QuoteIdent(s.rel.TenantColumn)
	}
	vals := g.w.ValuesOf(c.Name)
	value := func(label string) string {
		if len(vals) == 0 {
			return "NULL"
		}
		return rapid.SampledFrom(vals).Draw(g.t, label)
	}
	tenantLit := func() string {
		return catalog.QuoteLiteral(g.w.TenantID(g.tenant("tenant id")))
	}
	switch g.draw(14, "predicate kind") {
	case 0, 1:
		return ref + " = " + value("value")
	case 2:
		if orderable(c) {
			return ref + []string{" <> ", " < ", " >= "}[g.draw(3, "operator")] + value("value")
		}
		return ref + " <> " + value("value")
	case 3:
		return ref + " IN (" + value("in 1") + ", " + value("in 2") + ")"
	case 4:
		return ref + []string{" IS NULL", " IS NOT NULL"}[g.draw(2, "null test")]
	case 5:
		if textual(c) {
			return ref + " LIKE " + catalog.QuoteLiteral("%"+Canary(g.tenant("canary tenant"))+"%")
		}
		return ref + " IS NOT NULL"
	case 6:
		return "(" + ref + " = " + value("value") + " OR " + rapid.SampledFrom(tautologies).Draw(g.t, "tautology") + ")"
	case 7:
		if tcol != "" {
			return tcol + []string{" = ", " <> "}[g.draw(2, "tenant op")] + tenantLit()
		}
		return ref + " = " + value("value")
	case 8:
		if tcol != "" {
			ids := make([]string, min(len(g.w.Tenants), maxInList))
			for i := range ids {
				t := i
				if len(g.w.Tenants) > maxInList { // a large world: some of its tenants
					t = g.tenant("in tenant")
				}
				ids[i] = catalog.QuoteLiteral(g.w.TenantID(t))
			}
			return tcol + " IN (" + strings.Join(ids, ", ") + ")"
		}
		return ref + " IS NOT NULL OR true"
	case 9:
		if tcol != "" {
			return "(" + ref + " = " + value("value") + " OR " + tcol + " IS NOT NULL)"
		}
		return "NOT (" + ref + " = " + value("value") + ")"
	case 10:
		return "NOT (" + ref + " = " + value("value") + ")"
	case 11: // matches only NULLs or the edge values
		if textual(c) {
			return "(" + ref + " IS NULL OR " + ref + " = '' OR length(" + ref + ") > 200)"
		}
		return "coalesce(" + ref + "::text, '') = ''"
	case 12:
		return ref + " IS DISTINCT FROM " + value("value")
	default:
		return rapid.SampledFrom(tautologies).Draw(g.t, "tautology")
	}
}

// tenant draws a tenant for a literal: any of a small world's, or one of
// the tenants a large world's view shows (drawing among 10,000 would name
// the viewer once in 10,000 draws).
func (g *selectGen) tenant(label string) int {
	if len(g.w.shown) > 0 {
		return rapid.SampledFrom(g.w.shown).Draw(g.t, label)
	}
	return g.draw(len(g.w.Tenants), label)
}
