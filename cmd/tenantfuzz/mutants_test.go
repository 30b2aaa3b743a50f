package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
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
