package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// TestReportsValidateAgainstSchema: a clean report, one with findings,
// errors, an audit and a kill matrix, and each after a trip through Parse
// all validate; the schema forbids undocumented fields, so a field added
// to the model without documenting it fails here.
func TestReportsValidateAgainstSchema(t *testing.T) {
	for name, leak := range map[string]bool{"clean": false, "leak": true} {
		t.Run(name, func(t *testing.T) {
			b, err := sampleReport(leak).JSON()
			if err != nil {
				t.Fatal(err)
			}
			if err := reportcheck.JSON(JSONSchema, b); err != nil {
				t.Error(err)
			}
			r, err := Parse(b, name)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := r.JSON()
			if err := reportcheck.JSON(JSONSchema, again); err != nil {
				t.Error(err)
			}
			if !bytes.Equal(b, again) {
				t.Error("Parse then JSON changed the report: rendering from report.json would differ from the run's")
			}
		})
	}
}

// TestSchemaRejectsUndocumentedFields: the schema is strict where it
// matters: an unknown top-level or finding field, a bad severity or a
// missing verdict fail validation.
func TestSchemaRejectsUndocumentedFields(t *testing.T) {
	b, _ := sampleReport(true).JSON()
	for name, mutate := range map[string]func(map[string]any){
		"unknown top-level field": func(m map[string]any) { m["extra"] = 1 },
		"unknown finding field":   func(m map[string]any) { m["findings"].([]any)[0].(map[string]any)["password"] = "x" },
		"bad severity":            func(m map[string]any) { m["findings"].([]any)[0].(map[string]any)["severity"] = "urgent" },
		"no verdict":              func(m map[string]any) { delete(m["totals"].(map[string]any), "verdict") },
		"bad digest":              func(m map[string]any) { m["target"].(map[string]any)["sha256"] = "abc" },
	} {
		var m map[string]any
		json.Unmarshal(b, &m)
		mutate(m)
		bad, _ := json.Marshal(m)
		if err := reportcheck.JSON(JSONSchema, bad); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}

// TestOldReportsStillRender: a report.json written before the derived
// fields existed (properties, controls, verdicts) loads, gets them, and
// renders in every format.
func TestOldReportsStillRender(t *testing.T) {
	b, _ := sampleReport(true).JSON()
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"properties", "controls"} {
		delete(m, k)
	}
	totals := m["totals"].(map[string]any)
	delete(totals, "verdict")
	delete(totals, "verdict_text")
	for _, f := range m["findings"].([]any) {
		for _, k := range []string{"id", "rule_id", "family", "leaks", "controls", "scenario"} {
			delete(f.(map[string]any), k)
		}
	}
	old, _ := json.Marshal(m)
	path := filepath.Join(t.TempDir(), "report.json")
	os.WriteFile(path, old, 0o644)
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Verdict != "LEAK" || len(r.Properties) == 0 || len(r.Controls) != 4 || r.Findings[0].Rule != "cross-tenant-read" || r.Findings[0].ID != 1 {
		t.Errorf("derived fields missing after Load: verdict %q, %d properties, %d controls, finding %+v", r.Totals.Verdict, len(r.Properties), len(r.Controls), r.Findings[0])
	}
	for _, f := range append(FormatNames(), "text") {
		if _, err := r.Render(f, old); err != nil {
			t.Errorf("render %s: %v", f, err)
		}
	}
}
