package main

import (
	"os"
	"strings"
	"testing"
)

// TestLeaksCoverageInDocs: the coverage table of docs/mutants.md is what
// tenantfuzz mutants --coverage prints from the kill matrix and the audit
// registry (regenerate with TENANTFUZZ_UPDATE_DOCS=1).
func TestLeaksCoverageInDocs(t *testing.T) {
	table, err := leaksCoverage()
	if err != nil {
		t.Fatal(err)
	}
	const docFile = "../../docs/mutants.md"
	const begin, end = "<!-- leaks-coverage:begin -->\n", "<!-- leaks-coverage:end -->"
	b, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("docs/mutants.md lacks the %q ... %q section", begin, end)
	}
	if got := doc[i+len(begin) : j]; got != table {
		if os.Getenv("TENANTFUZZ_UPDATE_DOCS") != "" {
			if err := os.WriteFile(docFile, []byte(doc[:i+len(begin)]+table+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the coverage table of docs/mutants.md is stale: run TENANTFUZZ_UPDATE_DOCS=1 go test -run TestLeaksCoverageInDocs ./cmd/tenantfuzz\ngot:\n%s\nwant:\n%s", got, table)
	}
}
