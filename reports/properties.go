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

// Scenario verdicts (harness.Verdict), mildest first.
const (
	verdictPass          = string(harness.VerdictPass)
	verdictNotApplicable = string(harness.VerdictNotApplicable)
	verdictBlind         = string(harness.VerdictBlind)
	verdictError         = string(harness.VerdictError)
	verdictLeak          = string(harness.VerdictLeak)
)

// verdictRank orders verdicts for a property's summary, the worst of its
// scenarios: a property is not applicable only when none of its subjects
// applies (a pass on some subjects and not applicable on others is a pass).
var verdictRank = map[string]int{verdictNotApplicable: 0, verdictPass: 1, verdictBlind: 2, verdictError: 3, verdictLeak: 4}

// scenarioVerdict is the verdict the harness judged (harness.Result.Judge);
// a scenario read back from report.json keeps the one it was written with
// ("inconclusive", from reports of earlier versions, reads as blind). A
// scenario without either is judged from its counts: a finding is a leak,
// an error an error, no reach blind.
func scenarioVerdict(s *Scenario) string {
	switch {
	case s.Result.Verdict != "":
		return string(s.Result.Verdict)
	case s.Verdict == "inconclusive":
		return verdictBlind
	case s.Verdict != "":
		return s.Verdict
	case len(s.Findings) > 0:
		return verdictLeak
	case s.Error != "":
		return verdictError
	case s.Reached == 0:
		return verdictBlind
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
				Controls: nonNil(controlsOf(s.Property)), Subjects: []string{}, Verdict: verdictNotApplicable})
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
