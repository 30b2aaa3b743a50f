package harness

import "time"

// Hunt runs a seeded defect's property once (run) and, when it finds
// something, replays the first finding with one check from that finding's
// seed alone, as the kill matrix requires of every kill. killed says
// whether the first finding is of a kind the defect must produce; replays
// whether the replay found the same kind again (among its findings: the
// replay shrinks for a bounded time, so on a loaded machine it may stop at
// another failing world whose first finding is of another kind). The
// level-3 router and the API layer hunt their mutants with it.
func Hunt(opts RunOptions, run func(RunOptions) *Result, kills func(Kind) bool) (res *Result, killed, replays bool) {
	res = run(opts)
	if len(res.Findings) == 0 {
		return res, false, false
	}
	f := res.Findings[0]
	again := opts
	again.Seed, again.ExactSeed, again.Checks, again.ShrinkTime = f.Seed, true, 1, 100*time.Millisecond
	r := run(again)
	for _, g := range r.Findings {
		if g.Kind == f.Kind {
			replays = true
		}
	}
	return res, kills(f.Kind), replays
}
