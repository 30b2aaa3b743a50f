package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// TestDocsCountTheCatalogues: the README's and docs/mutants.md's counts of
// audit checks and seeded defects are the catalogues' (they went stale
// once, while the catalogues grew by a third).
func TestDocsCountTheCatalogues(t *testing.T) {
	sqlMutants, err := mutant.Load(fixtures.Mutants())
	if err != nil {
		t.Fatal(err)
	}
	sql, vec, rt, ap := len(sqlMutants), len(vector.Mutants), len(router.Mutants), len(api.Mutants)
	total := sql + vec + rt + ap
	for file, wants := range map[string][]string{
		"../../README.md": {
			fmt.Sprintf("(%d checks)", len(audit.Checks())),
			fmt.Sprintf("kill matrix of %d seeded defects (%d SQL, %d vector, %d routing, %d API)", total, sql, vec, rt, ap),
		},
		"../../docs/mutants.md": {
			fmt.Sprintf("lists %d SQL defects", sql),
			fmt.Sprintf("%d of %d mutants killed as expected", total, total),
		},
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(b)), " ")
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not say %q", file, w)
			}
		}
	}
}
