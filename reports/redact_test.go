package reports

import (
	"errors"
	"fmt"
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

// TestRedactKeepsSeeds: seeds above 2^53 (which a float64 would round)
// keep every digit through Redact, in the run, every scenario and every
// finding, and a finding's seed still equals the one in its replay line.
func TestRedactKeepsSeeds(t *testing.T) {
	const seed = 4864488554231604177
	results := sampleResults(true)
	for i, r := range results {
		r.Seed = seed - uint64(i)
	}
	r := Build(Input{Version: "0.1.0", Results: results, Audit: sampleAudit(), Run: Run{Seed: seed, Profile: "quick"}})
	want := map[string]uint64{}
	for _, s := range r.Scenarios {
		want[s.Name] = s.Seed
	}
	findings := map[int]uint64{}
	for _, f := range r.Findings {
		findings[f.ID] = f.Seed
	}
	if err := r.Redact(secretPassword, "a-pinecone-api-key"); err != nil {
		t.Fatal(err)
	}
	if r.Run.Seed != seed {
		t.Errorf("run seed %d after Redact, want %d", r.Run.Seed, uint64(seed))
	}
	for _, s := range r.Scenarios {
		if s.Seed != want[s.Name] {
			t.Errorf("%s: seed %d after Redact, want %d", s.Name, s.Seed, want[s.Name])
		}
	}
	for _, f := range r.Findings {
		if f.Seed != findings[f.ID] || !strings.HasSuffix(f.Replay, fmt.Sprintf("--seed %d", f.Seed)) {
			t.Errorf("finding %d: seed %d (was %d), replay %q", f.ID, f.Seed, findings[f.ID], f.Replay)
		}
	}
}
