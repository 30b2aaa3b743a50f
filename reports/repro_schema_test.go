package reports

import (
	"encoding/json"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// TestReproValidates: a finding's repro (the reproduction as data that
// tenantfuzz export pgtap reads) is documented by the schema, and an
// undocumented repro field fails it.
func TestReproValidates(t *testing.T) {
	r := sampleReport(true)
	if len(r.Findings) == 0 {
		t.Fatal("the sample has no findings")
	}
	r.Findings[0].Repro = &harness.Repro{
		World:        []string{"INSERT INTO tenants (id, name, slug) VALUES ('7e4a0000-0000-4000-8000-000000000001', '', 'a');"},
		Role:         "app_user",
		ContextState: "tenant",
		Context:      []string{"select set_config('app.tenant_id', '7e4a0000-0000-4000-8000-000000000001', true)"},
		Statement:    "SELECT * FROM documents a",
		Expected:     harness.ReproExpected{Check: harness.CheckSameRows, Query: "SELECT * FROM (SELECT * FROM documents WHERE false) a", Tenant: "7e4a0000-0000-4000-8000-000000000001"},
	}
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := reportcheck.JSON(JSONSchema, b); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b, "repro")
	if err != nil || back.Findings[0].Repro == nil || back.Findings[0].Repro.Expected.Query == "" {
		t.Fatalf("repro lost in a round trip: %v", err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	m["findings"].([]any)[0].(map[string]any)["repro"].(map[string]any)["extra"] = 1
	bad, _ := json.Marshal(m)
	if reportcheck.JSON(JSONSchema, bad) == nil {
		t.Error("an undocumented repro field validated")
	}
}
