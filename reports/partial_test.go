package reports

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// TestPartialScenario: a scenario the time budget cut short (30 of 100
// checks) passes marked "partial (30 of 100 checks, budget spent)" in the
// summary and the verdict, validates against the schema, and, when the
// profile fails partial runs (exit 2), the verdict is PARTIAL.
func TestPartialScenario(t *testing.T) {
	r := sampleReport(false)
	r.Scenarios[0].Result.Planned = 100
	r.derive()
	if r.Totals.Partial != 1 || r.Totals.Verdict != "PASS" || !strings.Contains(r.Totals.VerdictText, "1 scenario partial") {
		t.Errorf("totals: partial %d, verdict %s (%s)", r.Totals.Partial, r.Totals.Verdict, r.Totals.VerdictText)
	}
	text, err := r.Render("text", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "PARTIAL read-isolation tenants: partial (30 of 100 checks, budget spent)") {
		t.Errorf("summary does not say the scenario is partial:\n%s", text)
	}
	html, err := r.Render("html", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "partial (30 of 100 checks, budget spent)") {
		t.Error("the HTML report does not say the scenario is partial")
	}
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := reportcheck.JSON(JSONSchema, b); err != nil {
		t.Error(err)
	}
	r.SetExitCode(2)
	if r.Totals.Verdict != "PARTIAL" {
		t.Errorf("partial run failed by the profile: verdict %s (%s), want PARTIAL", r.Totals.Verdict, r.Totals.VerdictText)
	}
	if b, _ := r.JSON(); reportcheck.JSON(JSONSchema, b) != nil {
		t.Error("a PARTIAL verdict does not validate")
	}
}

// TestReferenceRowCleanOnlyWhenProven: a reference row with a blind
// scenario is not clean (the matrix, the HTML and the controls say so);
// an errored mutant row is an error, not a survivor.
func TestReferenceRowCleanOnlyWhenProven(t *testing.T) {
	blind := mutant.Kill{Mutant: mutant.Reference, Blind: []string{"read-isolation documents: never reached"}}
	if res, ok := killResult(blind); ok || !strings.Contains(res, "not clean") {
		t.Errorf("blind reference: %q, ok %v", res, ok)
	}
	m := &Matrix{Mutants: []mutant.Kill{blind}}
	if m.ReferenceClean() {
		t.Error("a matrix whose reference was blind is clean")
	}
	if res, ok := killResult(mutant.Kill{Mutant: mutant.VectorPrefix + "filter-dropped", Error: "vector-read-isolation shared: connection refused"}); ok || res != "error" {
		t.Errorf("errored mutant: %q, ok %v", res, ok)
	}
	if res, ok := killResult(mutant.Kill{Mutant: mutant.RouterPrefix + mutant.Reference}); !ok || res != "clean" {
		t.Errorf("clean router reference: %q, ok %v", res, ok)
	}
}
