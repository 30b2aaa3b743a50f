package reports

import "github.com/tenantfuzz/tenantfuzz/harness"

// PropertySummary sums one property's scenarios.
type PropertySummary struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Labels   []string `json:"labels"`
	Controls []string `json:"controls"`
	Subjects []string `json:"subjects"`
	// Stats are the counts summed over the subjects (checks, statements
	// per kind, rows examined, discards, reached foreign ...).
	harness.Stats
	Scenarios int     `json:"scenarios"`
	Findings  int     `json:"findings"`
	Errors    int     `json:"errors"`
	Seconds   float64 `json:"seconds"`
	// Verdict is the worst of its scenarios': leak, error, inconclusive, pass.
	Verdict string `json:"verdict"`
}

// Scenario verdicts, mildest first.
const (
	verdictPass         = "pass"
	verdictInconclusive = "inconclusive"
	verdictError        = "error"
	verdictLeak         = "leak"
)

var verdictRank = map[string]int{verdictPass: 0, verdictInconclusive: 1, verdictError: 2, verdictLeak: 3}

// scenarioVerdict: a finding is a leak; an error (including a tenant table
// no probe reached foreign rows on) is an error; a clean scenario that
// never reached foreign rows (a subject without tenant rows) is
// inconclusive.
func scenarioVerdict(s *Scenario) string {
	switch {
	case len(s.Findings) > 0:
		return verdictLeak
	case s.Error != "":
		return verdictError
	case s.Reached == 0:
		return verdictInconclusive
	}
	return verdictPass
}

// summarize groups scenarios by property, in the order they ran.
func summarize(scenarios []Scenario) []PropertySummary {
	out := []PropertySummary{}
	index := map[string]int{}
	for _, s := range scenarios {
		i, ok := index[s.Property]
		if !ok {
			i = len(out)
			index[s.Property] = i
			out = append(out, PropertySummary{Name: s.Property, Title: propertyTitle(s.Property), Labels: nonNil(propertyLabels(s.Property)),
				Controls: nonNil(controlsOf(s.Property)), Subjects: []string{}, Verdict: verdictPass})
		}
		p := &out[i]
		p.Subjects = append(p.Subjects, s.Relation)
		p.Stats.Add(s.Stats)
		p.Scenarios++
		p.Findings += len(s.Findings)
		if s.Verdict == verdictError {
			p.Errors++
		}
		p.Seconds += s.Seconds
		if verdictRank[s.Verdict] > verdictRank[p.Verdict] {
			p.Verdict = s.Verdict
		}
	}
	return out
}

// nonNil returns s, or an empty slice for nil (JSON [] rather than null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
