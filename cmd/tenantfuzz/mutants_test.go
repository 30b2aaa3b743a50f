package main

import (
	"os"
	"strings"
	"testing"
)

// TestLeaksCoverageInREADME: the README's LEAKS.md coverage table is what
// tenantfuzz mutants --coverage prints from the kill matrix and the audit
// registry (regenerate with TENANTFUZZ_UPDATE_README=1).
func TestLeaksCoverageInREADME(t *testing.T) {
	table, err := leaksCoverage()
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- leaks-coverage:begin -->\n", "<!-- leaks-coverage:end -->"
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q section", begin, end)
	}
	if got := readme[i+len(begin) : j]; got != table {
		if os.Getenv("TENANTFUZZ_UPDATE_README") != "" {
			if err := os.WriteFile("../../README.md", []byte(readme[:i+len(begin)]+table+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the README's LEAKS.md coverage table is stale: run TENANTFUZZ_UPDATE_README=1 go test -run TestLeaksCoverageInREADME ./cmd/tenantfuzz\ngot:\n%s\nwant:\n%s", got, table)
	}
}
