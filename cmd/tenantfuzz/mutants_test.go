package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
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

// TestMatrixExcusesNothing: a reference row with a blind scenario is NOT
// CLEAN and a mutant row that errored is ERROR (not SURVIVED); either
// fails the matrix. Rows only: no mutant runs.
func TestMatrixExcusesNothing(t *testing.T) {
	for name, c := range map[string]struct {
		kill mutant.Kill
		want string
	}{
		"blind reference":  {mutant.Kill{Mutant: mutant.Reference, Blind: []string{"read-isolation documents: never reached"}}, "NOT CLEAN (1 blind)"},
		"errored vector":   {mutant.Kill{Mutant: mutant.VectorPrefix + "filter-dropped", Error: "vector-read-isolation shared: boom"}, "ERROR"},
		"errored router":   {mutant.Kill{Mutant: mutant.RouterPrefix + "formatted-set", Error: "routing-isolation router: boom"}, "ERROR"},
		"survivor":         {mutant.Kill{Mutant: "rls-off"}, "SURVIVED"},
		"router reference": {mutant.Kill{Mutant: mutant.RouterPrefix + mutant.Reference}, "clean"},
	} {
		var out, errb bytes.Buffer
		code := printMatrix([]mutant.Kill{c.kill}, nil, t.TempDir(), &out, &errb)
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: want %q in\n%s", name, c.want, out.String())
		}
		if wantOK := c.want == "clean"; (code == exitOK) != wantOK {
			t.Errorf("%s: exit %d", name, code)
		}
	}
}
