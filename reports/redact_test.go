package reports

import (
	"errors"
	"strings"
	"testing"
)

// TestRedactReachesEveryFormat: a secret that reached an error, the
// command line and a finding's evidence is gone from every format after
// Redact, and the report still validates.
func TestRedactReachesEveryFormat(t *testing.T) {
	results := sampleResults(true)
	results[len(results)-1].Err = errors.New("connect to postgres://admin:" + secretPassword + "@db/x: refused")
	results[1].Findings[0].Evidence = append(results[1].Findings[0].Evidence, "password="+secretPassword)
	r := Build(Input{Version: "0.1.0", Results: results, Audit: sampleAudit(),
		Run: Run{Seed: 5, Profile: "quick", Command: "tenantfuzz run --dsn 'postgres://admin:" + secretPassword + "@db/x'"}})
	if err := r.Redact(secretPassword, "", "abc"); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(FormatNames(), "text") {
		b, err := r.Render(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secretPassword) {
			t.Errorf("%s still holds the secret", f)
		}
		if f == "json" && !strings.Contains(string(b), Redacted) {
			t.Errorf("json shows no %s marker", Redacted)
		}
	}
	if r.Scenarios[len(r.Scenarios)-1].Error == "" || r.Totals.Errors != 1 {
		t.Error("redaction lost the scenario's error")
	}
	if !strings.Contains(r.Run.Command, "--dsn") {
		t.Errorf("command mangled: %q", r.Run.Command)
	}
}
