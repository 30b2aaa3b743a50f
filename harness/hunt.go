package harness

import "time"

// Hunt runs a seeded defect's property once (run) and, when it finds
// something, replays the first finding with one check from that finding's
// seed alone, as the kill matrix requires of every kill. killed says
// whether the first finding is of a kind the defect must produce; replays
// whether the replay found the same kind again. The level-3 router and the
// API layer hunt their mutants with it.
func Hunt(opts RunOptions, run func(RunOptions) *Result, kills func(Kind) bool) (res *Result, killed, replays bool) {
	res = run(opts)
	if len(res.Findings) == 0 {
		return res, false, false
	}
	f := res.Findings[0]
	again := opts
	again.Seed, again.ExactSeed, again.Checks, again.ShrinkTime = f.Seed, true, 1, 100*time.Millisecond
	r := run(again)
	return res, kills(f.Kind), len(r.Findings) > 0 && r.Findings[0].Kind == f.Kind
}
