package reports

import (
	"fmt"
	"strings"
)

// tenancyLine counts the tables by how their rows were attributed, naming
// the ones every tenant may read (support and global) and those a flag
// decided: "2 by tenant column, 1 through a parent, 1 global
// (countries)". "" when the report has no scope.
func (r *Report) tenancyLine() string {
	if len(r.Scope.Tenancy) == 0 {
		return ""
	}
	groups := []struct {
		label string
		named bool
		match func(TableTenancy) bool
	}{
		{"by tenant column", false, func(t TableTenancy) bool { return t.Treated == "tenant column" }},
		{"tenants table", false, func(t TableTenancy) bool { return t.Treated == "tenants table" }},
		{"through a parent", false, func(t TableTenancy) bool { return strings.HasPrefix(t.Treated, "owned through") }},
		{"support", true, func(t TableTenancy) bool { return t.Treated == "support" }},
		{"global", true, func(t TableTenancy) bool { return t.Treated == "global" }},
	}
	var parts []string
	for _, g := range groups {
		var names []string
		for _, t := range r.Scope.Tenancy {
			if !g.match(t) {
				continue
			}
			name := t.Relation
			if t.By != "detected" {
				name += " by " + t.By
			}
			if g.named || t.By != "detected" {
				names = append(names, name)
			} else {
				names = append(names, "")
			}
		}
		if len(names) == 0 {
			continue
		}
		part := fmt.Sprintf("%d %s", len(names), g.label)
		var shown []string
		for _, n := range names {
			if n != "" {
				shown = append(shown, n)
			}
		}
		if len(shown) > 0 {
			part += " (" + strings.Join(shown, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}
