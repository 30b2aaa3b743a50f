package reports

import (
	"strings"
	"testing"
)

// TestInterruptedReport: an interrupted run's verdict is INTERRUPTED
// whatever its partial results say, no control is pass on that partial
// evidence, and the properties not run carry their reason: --property
// before the interruption, the interruption otherwise.
func TestInterruptedReport(t *testing.T) {
	run := Run{Seed: 5, Profile: "quick", Interrupted: true, Signal: "SIGTERM", ExitCode: 143, Settings: &Settings{Labels: "!slow"}}
	r := Build(Input{Version: "0.1.0", Results: sampleResults(false), Audit: sampleAudit(), Run: run})
	if r.Totals.Verdict != "INTERRUPTED" || !strings.Contains(r.Totals.VerdictText, "SIGTERM") {
		t.Errorf("verdict %s (%s), want INTERRUPTED by SIGTERM", r.Totals.Verdict, r.Totals.VerdictText)
	}
	for _, c := range r.Controls {
		if c.Status == "pass" {
			t.Errorf("%s pass on partial evidence", c.ID)
		}
	}
	skipped := skippedProperties(run, []string{"fail-closed", "large-world"})
	if len(skipped) != 2 || skipped[0].Reason != skippedInterrupted || !strings.HasPrefix(skipped[1].Reason, "off") {
		t.Errorf("skipped: %+v", skipped)
	}
	run.Settings.Property = "read-isolation"
	if s := skippedProperties(run, []string{"fail-closed"}); s[0].Reason != skippedByProperty {
		t.Errorf("skipped with --property: %+v", s)
	}
	run.Settings.Property, run.Settings.Labels = "", "nosuchlabel"
	if s := skippedProperties(run, []string{"fail-closed"}); !strings.Contains(s[0].Reason, "label filter") {
		t.Errorf("skipped by labels: %+v", s)
	}
}
