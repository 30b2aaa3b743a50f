package harness

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"pgregory.net/rapid"
)

// checkBody is the frame every property body shares: unless the time
// budget is spent, run one check, count what it did, and fail the rapid
// check on a finding or a setup error.
func checkBody(opts RunOptions, st *CheckState, run func(rt *rapid.T) (*Finding, Stats, error)) func(*rapid.T) {
	return func(rt *rapid.T) {
		if st.Expired(opts.Deadline) {
			return
		}
		f, stats, err := run(rt)
		st.Count(stats)
		if err != nil || f != nil {
			st.Fail(rt, f, err)
		}
	}
}

// worldRun is checkBody for the properties over a small world: it draws a
// world and a viewer and hands them to run.
func worldRun(tg *Target, opts RunOptions, st *CheckState, run func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error)) func(*rapid.T) {
	return checkBody(opts, st, func(rt *rapid.T) (*Finding, Stats, error) {
		w := generators.WorldGen(tg.Catalog, opts.World).Draw(rt, "world")
		viewer := rapid.IntRange(0, len(w.Tenants)-1).Draw(rt, "viewer")
		return run(rt, w, viewer)
	})
}

// worldCheck is worldRun for the probe-based properties: build makes the
// check's probe from the world and the viewer, exec runs it.
func worldCheck(ctx context.Context, tg *Target, opts RunOptions, st *CheckState,
	build func(rt *rapid.T, w *generators.World, viewer int) probe,
	exec func(context.Context, probe, *Stats) (*Finding, error)) func(*rapid.T) {
	return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
		var stats Stats
		f, err := exec(ctx, build(rt, w, viewer), &stats)
		return f, stats, err
	})
}
