package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

func sampleReport() *Report {
	r := &Report{ServerVersionNum: 150018, AppRole: "app_user", TenantColumn: "tenant_id", ContextSetting: "app.tenant_id",
		Checks: []string{"TFA001", "TFA005", "TFA019"},
		Results: []Result{
			{Check: "TFA001", Name: "rls-disabled", Severity: harness.SeverityHigh, Leaks: []int{1}, Object: "table documents", Relation: "documents",
				Message: "off", Fix: "ALTER TABLE documents ENABLE ROW LEVEL SECURITY", File: "x.sql", Line: 3},
			{Check: "TFA005", Name: "app-role-superuser", Severity: harness.SeverityHigh, Leaks: []int{4}, Object: "role ops", Message: "super", Fix: "revoke"},
			{Check: "TFA019", Name: "nullable-tenant-column", Severity: harness.SeverityLow, Leaks: []int{7, 20}, Object: "table users", Relation: "users", Message: "null", Fix: "not null"},
		}}
	r.count()
	return r
}

// TestRelated: a finding on a relation is explained by the results about
// that relation (and the relations a view reads), then the database-wide
// ones; results about other relations are not linked.
func TestRelated(t *testing.T) {
	r := sampleReport()
	keys := func(rs []Result) string {
		var out []string
		for _, x := range rs {
			out = append(out, x.Key())
		}
		return strings.Join(out, "; ")
	}
	if got, want := keys(r.Related("documents")), "TFA001 table documents; TFA005 role ops"; got != want {
		t.Errorf("Related(documents) = %s, want %s", got, want)
	}
	if got, want := keys(r.Related("document_titles", "users")), "TFA019 table users; TFA005 role ops"; got != want {
		t.Errorf("Related(view over users) = %s, want %s", got, want)
	}
}

func TestCountsAndThreshold(t *testing.T) {
	r := sampleReport()
	if r.Counts != (Counts{High: 2, Low: 1}) {
		t.Errorf("counts = %+v", r.Counts)
	}
	for min, n := range map[harness.Severity]int{harness.SeverityHigh: 2, harness.SeverityMedium: 2, harness.SeverityLow: 3} {
		if got := len(r.AtLeast(min)); got != n {
			t.Errorf("AtLeast(%s) = %d, want %d", min, got, n)
		}
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("ParseSeverity accepts critical; --fail-on takes high, medium, low")
	}
	if s, err := ParseSeverity(" Medium "); err != nil || s != harness.SeverityMedium {
		t.Errorf("ParseSeverity(Medium) = %q, %v", s, err)
	}
}

func TestWriteTextAndJSON(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := r.WriteText(&b, harness.SeverityHigh); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PostgreSQL 15.18", "HIGH   TFA001 rls-disabled: table documents", "at:  x.sql:3", "fix: ALTER TABLE documents", "see: docs/leaks.md entries 7, 20", "RESULT: FAIL (2 at or above high)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != 3 || back.Results[0].File != "x.sql" || back.Counts != r.Counts || back.Results[2].Relation != "users" {
		t.Errorf("JSON round trip lost data: %+v", back)
	}
}

func TestMarkdownListsEveryCheck(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, c := range registry {
		if !strings.Contains(b.String(), "| "+c.ID+" | `"+c.Name+"` | "+string(c.Severity)) {
			t.Errorf("markdown lacks %s", c)
		}
	}
}

// TestChecksDoc: checks.md, the table docs/audit.md shows, is what
// WriteMarkdown writes (regenerate with TENANTFUZZ_UPDATE_CHECKS=1).
func TestChecksDoc(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("TENANTFUZZ_UPDATE_CHECKS") != "" {
		if err := os.WriteFile("checks.md", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("checks.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Error("checks.md is stale: run TENANTFUZZ_UPDATE_CHECKS=1 go test -run TestChecksDoc ./harness/audit")
	}
}
