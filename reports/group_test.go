package reports

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

func result(property, subject string, fs ...*harness.Finding) *harness.Result {
	for _, f := range fs {
		f.Property, f.Severity = property, f.Kind.Severity()
		f.Replay = "tenantfuzz replay --property " + property + " --relation '" + subject + "' --seed 1"
	}
	return &harness.Result{Property: property, Relation: subject, Stats: harness.Stats{Checks: 1, Reached: 1}, Findings: fs}
}

// TestGroupOneDefectOneFinding: the sightings of one SECURITY DEFINER
// function that every tenant's statements reach (on the function itself
// and through joins on other subjects), and of one bypassed relation,
// become one finding each, led by the scenario on the leaking relation
// that names two tenants, with the others' replay lines kept; different relations, and kinds not
// grouped, stay apart. The exit code follows the findings.
func TestGroupOneDefectOneFinding(t *testing.T) {
	fn := "document_counts()"
	in := Input{Results: []*harness.Result{
		result("read-isolation", "users", &harness.Finding{Kind: harness.KindCrossTenantRead, Relation: fn, Tenant: "a", OtherTenant: "b", OtherLabel: "T2"}),
		result("fail-closed", fn, &harness.Finding{Kind: harness.KindFailOpenRead, Relation: fn, OtherTenant: "b", OtherLabel: "T2"}),
		result("read-isolation", fn, &harness.Finding{Kind: harness.KindCrossTenantRead, Relation: fn, Tenant: "a", OtherTenant: "b", OtherLabel: "T2"}),
		result("read-isolation", "tenants", &harness.Finding{Kind: harness.KindDifferentialRead, Relation: fn, Tenant: "a"}),
		result("read-isolation", "invoices", &harness.Finding{Kind: harness.KindRLSBypassed, Relation: "invoices", Cause: "api is a member of saas_owner, which owns invoices; FORCE ROW LEVEL SECURITY is off", Evidence: []string{"seen as T1 saw a row of T2 (cross-tenant-read)"}}),
		result("pool-isolation", "pool-4", &harness.Finding{Kind: harness.KindRLSBypassed, Relation: "invoices", Cause: "api is a member of saas_owner, which owns invoices; FORCE ROW LEVEL SECURITY is off", Evidence: []string{"seen as T2 saw a row of T3 (cross-tenant-read)"}}),
		result("read-isolation", "organizations", &harness.Finding{Kind: harness.KindRLSBypassed, Relation: "organizations", Cause: "api is a member of saas_owner, which owns organizations; FORCE ROW LEVEL SECURITY is off"}),
		result("side-channel", "users", &harness.Finding{Kind: harness.KindSideChannel, Relation: "users"}),
		result("side-channel", "tenants", &harness.Finding{Kind: harness.KindSideChannel, Relation: "tenants"}),
	}}
	r := Build(in)
	if len(r.Findings) != 5 || r.Totals.Findings != 5 {
		for _, f := range r.Findings {
			t.Log(f.Summary(), len(f.Also))
		}
		t.Fatalf("%d findings, want 5 (one function, two bypassed relations, two side channels)", len(r.Findings))
	}
	f := r.Findings[0]
	if f.Relation != fn || f.Scenario != "read-isolation "+fn || len(f.Also) != 3 {
		t.Fatalf("function finding: scenario %q, %d sightings: %+v", f.Scenario, len(f.Also), f.Also)
	}
	subjects := map[string]bool{}
	for _, a := range f.Also {
		subjects[a.Property+" "+a.Subject] = true
		if !strings.Contains(a.Replay, "--relation '"+a.Subject+"'") || !strings.HasPrefix(a.Line(), "also seen: "+a.Property+" "+a.Subject) {
			t.Errorf("sighting %+v: replay or line does not name its own check: %s", a, a.Line())
		}
	}
	if !subjects["read-isolation users"] || !subjects["read-isolation tenants"] || !subjects["fail-closed "+fn] {
		t.Errorf("sightings %v", subjects)
	}
	b := r.Findings[1]
	if b.Kind != harness.KindRLSBypassed || b.Relation != "invoices" || b.Scenario != "read-isolation invoices" || len(b.Also) != 1 ||
		b.Also[0].Summary != "seen as T2 saw a row of T3 (cross-tenant-read)" {
		t.Errorf("bypass finding: %+v", b)
	}
	if !strings.Contains(b.Summary(), "api is a member of saas_owner, which owns invoices") {
		t.Errorf("the summary does not name the role chain: %s", b.Summary())
	}
	var text strings.Builder
	r.WriteSummary(&text, nil)
	if !strings.Contains(text.String(), "also seen: pool-isolation pool-4 (rls-bypassed: seen as T2 saw a row of T3") {
		t.Errorf("summary lacks the also-seen line:\n%s", text.String())
	}
	// a merged shard report keeps every sighting once
	m, err := Merge([]*Report{r})
	if err != nil || len(m.Findings) != 5 || len(m.Findings[0].Also) != 3 {
		t.Errorf("merge: %v, %d findings", err, len(m.Findings))
	}
}
