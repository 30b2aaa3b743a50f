package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// leaksCoverage renders, for each entry of docs/leaks.md, the seeded defects of the
// kill matrix that stand for it (with the property that must find them)
// and the audit checks that flag it: the coverage table of docs/mutants.md, built
// from the same lists the matrix and the audit run.
func leaksCoverage() (string, error) {
	ms, err := mutant.Load(fixtures.Mutants())
	if err != nil {
		return "", err
	}
	defects := map[int][]string{}
	for _, m := range ms {
		for _, l := range m.Leaks {
			defects[l] = append(defects[l], fmt.Sprintf("`%s` (%s)", m.Name, m.Property))
		}
	}
	for _, m := range vector.Mutants {
		defects[m.Entry] = append(defects[m.Entry], fmt.Sprintf("`%s%s` (vector)", mutant.VectorPrefix, m.Name))
	}
	for _, m := range router.Mutants {
		defects[m.Entry] = append(defects[m.Entry], fmt.Sprintf("`%s%s` (level 3)", mutant.RouterPrefix, m.Name))
	}
	for _, m := range api.Mutants {
		if m.Entry > 0 {
			defects[m.Entry] = append(defects[m.Entry], fmt.Sprintf("`%s%s` (api)", mutant.APIPrefix, m.Name))
		}
	}
	checks := map[int][]string{}
	for _, c := range audit.Checks() {
		for _, l := range c.Leaks {
			checks[l] = append(checks[l], c.ID)
		}
	}
	var b strings.Builder
	b.WriteString("| entry | seeded defects (property that must find them) | audit checks |\n|---:|---|---|\n")
	for e := 1; e <= harness.LeaksEntries; e++ {
		d, c := strings.Join(defects[e], ", "), strings.Join(slices.Compact(checks[e]), ", ")
		if d == "" {
			d = "–"
		}
		if c == "" {
			c = "–"
		}
		b.WriteString("| " + strconv.Itoa(e) + " | " + d + " | " + c + " |\n")
	}
	return b.String(), nil
}
