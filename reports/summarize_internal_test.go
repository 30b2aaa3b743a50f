package reports

import "testing"

// TestPropertyVerdictOverSubjects: a property's summary verdict is the
// worst of its scenarios', where not applicable ranks below pass: a
// property that passed on some subjects and does not apply to others
// passed; one that applies to none is not applicable; a blind subject
// makes it blind.
func TestPropertyVerdictOverSubjects(t *testing.T) {
	for _, c := range []struct {
		name     string
		verdicts []string
		want     string
	}{
		{"pass and not applicable", []string{verdictPass, verdictNotApplicable}, verdictPass},
		{"not applicable first", []string{verdictNotApplicable, verdictPass}, verdictPass},
		{"none applies", []string{verdictNotApplicable, verdictNotApplicable}, verdictNotApplicable},
		{"blind subject", []string{verdictPass, verdictBlind, verdictNotApplicable}, verdictBlind},
		{"leak wins", []string{verdictNotApplicable, verdictLeak, verdictError}, verdictLeak},
	} {
		var scenarios []Scenario
		for i, v := range c.verdicts {
			s := Scenario{Verdict: v}
			s.Property, s.Relation = "p", string(rune('a'+i))
			scenarios = append(scenarios, s)
		}
		got := summarize(scenarios)
		if len(got) != 1 || got[0].Verdict != c.want {
			t.Errorf("%s: %v gives %+v, want one property %s", c.name, c.verdicts, got, c.want)
		}
	}
}
