package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

func sampleSARIF() SARIFLog {
	return SARIFLog{
		ToolName: "tenantfuzz", ToolVersion: "0.1.0",
		Rules: []SARIFRule{
			{ID: "TFA001", Name: "rls-disabled", Title: "Tenant table without RLS", Help: "why; fix", Severity: harness.SeverityHigh},
			{ID: "TFA019", Name: "nullable-tenant-column", Title: "Tenant column allows NULL", Severity: harness.SeverityLow, Tags: []string{"docs/leaks.md entry 7"}},
			{ID: "cross-tenant-read", Title: "A tenant saw another tenant's row", Severity: harness.SeverityCritical},
		},
		Results: []SARIFResult{
			{RuleID: "TFA001", Message: "RLS off on documents", File: "fixtures/schema/001_reference.sql", Line: 31, Object: "table documents", Fingerprint: "TFA001 table documents"},
			{RuleID: "TFA019", Severity: harness.SeverityMedium, Message: "graded up", File: "/abs/overlay.sql", Line: 2},
			{RuleID: "cross-tenant-read", Message: "T1 saw T2", Properties: map[string]any{"seed": 42}},
		},
	}
}

// TestWriteSARIF: the document is SARIF 2.1.0 with the rules, levels
// mapped from severities (per result when graded), rule indexes that point
// at the right rule, file and line locations (relative to %SRCROOT% or as
// file:// URIs), logical locations, and fingerprints.
func TestWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, sampleSARIF()); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	if doc.Version != "2.1.0" || doc.Schema != SARIFSchema || len(doc.Runs) != 1 {
		t.Fatalf("header: version %q schema %q runs %d", doc.Version, doc.Schema, len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "tenantfuzz" || len(run.Tool.Driver.Rules) != 3 {
		t.Fatalf("driver: %+v", run.Tool.Driver)
	}
	r0 := run.Tool.Driver.Rules[0]
	if r0.ID != "TFA001" || r0.DefaultConfiguration.Level != "error" || r0.Properties["security-severity"] != "8.0" || r0.Help == nil {
		t.Errorf("rule TFA001: %+v", r0)
	}
	if lvl := run.Tool.Driver.Rules[1].DefaultConfiguration.Level; lvl != "note" {
		t.Errorf("low rule level = %q, want note", lvl)
	}
	want := []struct {
		rule, level, uri, base string
		line                   int
	}{
		{"TFA001", "error", "fixtures/schema/001_reference.sql", "%SRCROOT%", 31},
		{"TFA019", "warning", "file:///abs/overlay.sql", "", 2},
		{"cross-tenant-read", "error", "", "", 0},
	}
	for i, w := range want {
		r := run.Results[i]
		if r.RuleID != w.rule || run.Tool.Driver.Rules[r.RuleIndex].ID != w.rule || r.Level != w.level {
			t.Errorf("result %d: rule %s index %d level %s, want %s %s", i, r.RuleID, r.RuleIndex, r.Level, w.rule, w.level)
		}
		if w.uri == "" {
			if len(r.Locations) != 0 {
				t.Errorf("result %d: locations %+v, want none", i, r.Locations)
			}
			continue
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != w.uri || pl.ArtifactLocation.URIBaseID != w.base || pl.Region.StartLine != w.line {
			t.Errorf("result %d: location %+v %+v, want %s (%s) line %d", i, pl.ArtifactLocation, pl.Region, w.uri, w.base, w.line)
		}
	}
	if ll := run.Results[0].Locations[0].LogicalLocations; len(ll) != 1 || ll[0].FullyQualifiedName != "table documents" || ll[0].Kind != "table" {
		t.Errorf("logical location: %+v", ll)
	}
	if fp := run.Results[0].PartialFingerprints["tenantfuzz/v1"]; fp != "TFA001 table documents" {
		t.Errorf("fingerprint = %q", fp)
	}
	if run.Results[1].Properties["severity"] != "medium" {
		t.Errorf("graded result lacks its severity property: %+v", run.Results[1].Properties)
	}
}

// TestWriteSARIFRejectsUnknownRule: a result must name a listed rule, and
// rules are listed once: otherwise ruleIndex would lie.
func TestWriteSARIFRejectsUnknownRule(t *testing.T) {
	l := sampleSARIF()
	l.Results = append(l.Results, SARIFResult{RuleID: "nope", Message: "x"})
	if err := WriteSARIF(&bytes.Buffer{}, l); err == nil || !strings.Contains(err.Error(), "unknown rule nope") {
		t.Errorf("unknown rule: err = %v", err)
	}
	l = sampleSARIF()
	l.Rules = append(l.Rules, l.Rules[0])
	if err := WriteSARIF(&bytes.Buffer{}, l); err == nil {
		t.Error("duplicate rule accepted")
	}
}

// TestWriteSARIFEmpty: a clean run still has a tool, rules and an empty
// (not null) results array, which SARIF consumers require.
func TestWriteSARIFEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, SARIFLog{ToolName: "tenantfuzz"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"results": []`) || !strings.Contains(b.String(), `"rules": []`) {
		t.Errorf("empty log:\n%s", b.String())
	}
}
