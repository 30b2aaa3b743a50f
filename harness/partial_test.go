package harness_test

import (
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// TestPartialWhenBudgetSpent: a search the time budget ends before all its
// checks ran is partial ("partial (n of N checks, budget spent)") and
// still passes; one that ran every check is not partial.
func TestPartialWhenBudgetSpent(t *testing.T) {
	run := func(deadline time.Time) *harness.Result {
		opts := harness.RunOptions{Checks: 100, Seed: 1, Deadline: deadline}
		res := harness.RunCheck("p", "s", opts, func(st *harness.CheckState) func(*rapid.T) {
			return func(rt *rapid.T) {
				if st.Expired(opts.Deadline) {
					return
				}
				time.Sleep(5 * time.Millisecond)
				st.Count(harness.Stats{Checks: 1, Statements: 1, Reached: 1, Own: 1})
			}
		})
		res.Judge(true, true)
		return res
	}
	cut := run(time.Now().Add(60 * time.Millisecond))
	if cut.Verdict != harness.VerdictPass || !cut.Partial() || cut.Checks == 0 || cut.Checks >= 100 || cut.Planned != 100 {
		t.Errorf("cut short: verdict %s, partial %v, %d of %d checks", cut.Verdict, cut.Partial(), cut.Checks, cut.Planned)
	}
	if want := "of 100 checks, budget spent)"; len(cut.PartialText()) == 0 || cut.PartialText()[len(cut.PartialText())-len(want):] != want {
		t.Errorf("partial text = %q", cut.PartialText())
	}
	full := run(time.Time{})
	if full.Verdict != harness.VerdictPass || full.Partial() || full.Checks != 100 || full.PartialText() != "" {
		t.Errorf("full run: verdict %s, partial %v, %d checks", full.Verdict, full.Partial(), full.Checks)
	}
}
