package mutant

import (
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Kill is one row of the kill matrix.
type Kill struct {
	Mutant     string  `json:"mutant"`
	Leaks      []int   `json:"leaks,omitempty"`
	Killed     bool    `json:"killed"`      // some property found it
	AsExpected bool    `json:"as_expected"` // by the expected kind on the expected relation
	Property   string  `json:"property,omitempty"`
	Subject    string  `json:"subject,omitempty"`
	Kind       string  `json:"kind,omitempty"`
	Relation   string  `json:"relation,omitempty"`
	Checks     int     `json:"checks_to_finding"`  // checks run until the first finding (all properties before it included)
	Seconds    float64 `json:"seconds_to_finding"` // search time until the first finding
	Summary    string  `json:"summary,omitempty"`
	Replay     string  `json:"replay,omitempty"`
	Replays    bool    `json:"replays"` // the finding came back from its seed
	// Findings counts findings on the reference schema (must be 0).
	Findings int `json:"findings,omitempty"`
	// Blind lists the reference's scenarios that ran without earning a
	// pass ("read-isolation documents: <reason>"): a reference row is
	// clean only when every scenario passed or does not apply.
	Blind []string `json:"blind,omitempty"`
	Error string   `json:"error,omitempty"`
}

// IsReference reports whether a matrix row is one of the clean references
// ("reference", "vector:reference", "level3:reference", "api:reference")
// rather than a seeded defect.
func IsReference(name string) bool {
	return name == Reference || strings.HasSuffix(name, ":"+Reference)
}

// Clean reports whether a reference row is clean: no finding, no error,
// and every scenario passed or does not apply (none blind).
func (k Kill) Clean() bool {
	return k.Findings == 0 && k.Error == "" && len(k.Blind) == 0
}

// judgeReference records, on a reference row, a scenario that neither
// passed, nor leaked (counted as a finding), nor does not apply.
func (k *Kill) judgeReference(res *harness.Result) {
	if res.Verdict == harness.VerdictBlind {
		k.Blind = append(k.Blind, res.Property+" "+res.Relation+": "+res.Reason)
	}
}
