package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// parseJUnit checks junit.xml with reportcheck and returns it.
func parseJUnit(t *testing.T, b []byte) *reportcheck.JUnitDoc {
	t.Helper()
	doc, err := reportcheck.JUnit(b)
	if err != nil {
		t.Fatalf("junit.xml: %v\n%s", err, b)
	}
	return doc
}

// TestJUnit: one testcase per scenario, named "<property> <subject>"
// without labels or seeds; controls in <properties>; each finding a
// failure with its summary and replay command; errors as <error>.
func TestJUnit(t *testing.T) {
	r := sampleReport(true)
	var b bytes.Buffer
	if err := r.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	doc := parseJUnit(t, b.Bytes())
	cases := 0
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases++
			if strings.ContainsAny(c.Name, "[]") || regexp.MustCompile(`\d{4,}`).MatchString(c.Name) {
				t.Errorf("testcase name %q carries labels or a seed", c.Name)
			}
			hasControl := false
			for _, p := range c.Properties {
				hasControl = hasControl || p.Name == "control" && strings.HasPrefix(p.Value, "SOC 2 CC")
			}
			if !hasControl {
				t.Errorf("testcase %q has no control property", c.Name)
			}
			switch c.Name {
			case "read-isolation documents":
				if len(c.Failures) != 1 || !strings.Contains(c.Failures[0].Message, "saw a row of T2") ||
					!strings.Contains(c.Failures[0].Body, "replay:    tenantfuzz replay") || c.Failures[0].Type != "cross-tenant-read" {
					t.Errorf("read-isolation documents failure: %+v", c.Failures)
				}
			case "pool-isolation pool-1":
				if len(c.Failures) != 1 || c.Failures[0].Type != "context-leak" {
					t.Errorf("pool finding not on its scenario: %+v", c.Failures)
				}
			case "hostile-ids strategy sql":
				if c.Error == nil || !strings.Contains(c.Error.Message, "connection reset") {
					t.Errorf("error scenario: %+v", c.Error)
				}
			case "read-isolation tenants":
				if len(c.Failures) != 0 || c.Error != nil {
					t.Errorf("clean scenario failed: %+v", c)
				}
			}
		}
	}
	if cases != len(r.Scenarios) || doc.Failures != len(r.Findings) || doc.Errors != 1 {
		t.Errorf("%d testcases for %d scenarios, %d failures for %d findings, %d errors", cases, len(r.Scenarios), doc.Failures, len(r.Findings), doc.Errors)
	}
}

// TestJUnitNamesStable: two runs with different seeds give the same
// testcase names.
func TestJUnitNamesStable(t *testing.T) {
	names := func(seed uint64) []string {
		r := sampleReport(false)
		r.Run.Seed = seed
		for i := range r.Scenarios {
			r.Scenarios[i].Seed = seed * 7
		}
		var b bytes.Buffer
		r.WriteJUnit(&b)
		var out []string
		for _, s := range parseJUnit(t, b.Bytes()).Suites {
			for _, c := range s.Cases {
				out = append(out, c.Classname+"/"+c.Name)
			}
		}
		return out
	}
	if a, b := names(1), names(99999); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("names differ across seeds:\n%v\n%v", a, b)
	}
}
