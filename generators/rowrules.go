package generators

import (
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// satisfy adjusts a generated row of rel to the CHECKs that span columns:
// rules on which columns are NULL (a IS NOT NULL OR b IS NOT NULL,
// num_nonnulls(...) = 1) pick an alternative the row can meet, filling or
// clearing columns; comparisons between columns (end_at > start_at) swap
// or move the values. Limits: only constants the generator itself wrote
// are compared (numbers, dates, timestamps); a DEFAULT is taken as it comes.
func (b *builder) satisfy(ti int, rel *catalog.Relation, k int, vals map[string]string) {
	for _, rule := range rel.NullRules {
		b.nullRule(ti, rel, k, vals, rule)
	}
	for _, o := range rel.Orders {
		order(rel, vals, o)
	}
}

func nonNull(rel *catalog.Relation, vals map[string]string, c string) bool {
	v, ok := vals[c]
	col := rel.Column(c)
	switch {
	case col == nil:
		return false
	case !ok, v == "DEFAULT":
		return col.HasDefault || col.Identity || col.Generated
	}
	return v != "NULL"
}

func (b *builder) nullRule(ti int, rel *catalog.Relation, k int, vals map[string]string, rule catalog.NullRule) {
	meets := func(alt map[string]bool) bool {
		for c, want := range alt {
			if nonNull(rel, vals, c) != want {
				return false
			}
		}
		return true
	}
	for _, alt := range rule.Alternatives {
		if meets(alt) {
			return
		}
	}
	start := rapid.IntRange(0, len(rule.Alternatives)-1).Draw(b.t, rel.Name+" null rule")
	for i := range rule.Alternatives {
		alt := rule.Alternatives[(start+i)%len(rule.Alternatives)]
		if b.meet(ti, rel, k, vals, alt) {
			return
		}
	}
}

// meet sets the row's columns to alt's nullness, when it can: it returns
// false, changing nothing, when a column cannot be NULL (NOT NULL, the
// tenant column, the ownership path) or cannot get a value (a foreign key
// without a parent of the tenant).
func (b *builder) meet(ti int, rel *catalog.Relation, k int, vals map[string]string, alt map[string]bool) bool {
	set := map[string]string{}
	for c, want := range alt {
		col := rel.Column(c)
		if col == nil || col.Generated || col.Identity || nonNull(rel, vals, c) == want {
			continue
		}
		fk := fkOf(rel, c)
		if !want {
			if col.NotNull || c == rel.TenantColumn || (fk != nil && rel.Parent != nil && rel.Parent.Name == fk.Name) {
				return false
			}
			set[c] = "NULL"
			continue
		}
		if fk != nil {
			p, ok := b.parent(rel, *fk, k)
			if !ok {
				return false
			}
			for i, fc := range fk.Columns {
				if v, ok := p.Values[fk.RefColumns[i]]; ok {
					set[fc] = v
				}
			}
			continue
		}
		ci := colIndex(rel, c)
		set[c] = b.nonNull(ti, ci, col, rel.Name+"."+c, k, isUnique(rel, c))
	}
	for c, v := range set {
		vals[c] = v
	}
	return true
}

// parent draws a row of fk's table for tenant k (the tenant's own row of
// the tenants table).
func (b *builder) parent(rel *catalog.Relation, fk catalog.ForeignKey, k int) (Row, bool) {
	ref := b.cat.Relation(fk.RefTable)
	if ref == nil {
		return Row{}, false
	}
	if ref == b.cat.TenantsTable && len(fk.RefColumns) == 1 {
		return Row{Values: map[string]string{fk.RefColumns[0]: catalog.QuoteLiteral(b.w.Tenants[k].ID)}}, true
	}
	var parents []Row
	for _, r := range b.w.Rows {
		if r.Table == ref && r.Tenant == k {
			parents = append(parents, r)
		}
	}
	if len(parents) == 0 {
		return Row{}, false
	}
	return parents[rapid.IntRange(0, len(parents)-1).Draw(b.t, rel.Name+"."+fk.Name+" parent")], true
}

func fkOf(rel *catalog.Relation, c string) *catalog.ForeignKey {
	for i, fk := range rel.ForeignKeys {
		for _, fc := range fk.Columns {
			if fc == c && fc != rel.TenantColumn {
				return &rel.ForeignKeys[i]
			}
		}
	}
	return nil
}

func colIndex(rel *catalog.Relation, c string) int {
	for i, col := range rel.Columns {
		if col.Name == c {
			return i
		}
	}
	return 0
}

// order makes Left Op Right hold when both are generated constants of a
// comparable kind: it swaps them, or moves the larger side one step (1, a
// day) when they are equal under a strict comparison.
func order(rel *catalog.Relation, vals map[string]string, o catalog.Order) {
	l, r := vals[o.Left], vals[o.Right]
	lc, rc := rel.Column(o.Left), rel.Column(o.Right)
	if lc == nil || rc == nil {
		return
	}
	cmp, ok := compare(l, r)
	if !ok || holds(cmp, o.Op) {
		return
	}
	if holds(-cmp, o.Op) {
		vals[o.Left], vals[o.Right] = r, l
		return
	}
	// equal under a strict comparison: move the side that must be larger
	if o.Op == "<" {
		vals[o.Right] = step(rc, r)
	} else {
		vals[o.Left] = step(lc, l)
	}
}

func holds(cmp int, op string) bool {
	switch op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return true
}

// compare compares two literals as numbers or instants.
func compare(a, b string) (int, bool) {
	if a == "NULL" || b == "NULL" || a == "DEFAULT" || b == "DEFAULT" {
		return 0, false
	}
	a, b = strings.Trim(a, "'"), strings.Trim(b, "'")
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	}
	x, ok1 := parseInstant(a)
	y, ok2 := parseInstant(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.Compare(y), true
}

// step is the literal one step above v: v+1, or a day later.
func step(col *catalog.Column, v string) string {
	s := strings.Trim(v, "'")
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(x+1, 'f', -1, 64)
	}
	if t, ok := parseInstant(s); ok {
		return catalog.QuoteLiteral(formatInstant(col, t.AddDate(0, 0, 1)))
	}
	return v
}
