package harness

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"pgregory.net/rapid"
)

// worldCheck is the body the world-based properties share: unless the
// time budget is spent, draw a world and a viewer, let build make the
// check's probe from them, run it with exec, count what it did, and fail
// the rapid check on a finding or a setup error.
func worldCheck(ctx context.Context, tg *Target, opts RunOptions, st *CheckState,
	build func(rt *rapid.T, w *generators.World, viewer int) probe,
	exec func(context.Context, probe, *Stats) (*Finding, error)) func(*rapid.T) {
	return func(rt *rapid.T) {
		if st.Expired(opts.Deadline) {
			return
		}
		w := generators.WorldGen(tg.Catalog, opts.World).Draw(rt, "world")
		viewer := rapid.IntRange(0, len(w.Tenants)-1).Draw(rt, "viewer")
		var stats Stats
		f, err := exec(ctx, build(rt, w, viewer), &stats)
		st.Count(stats)
		if err != nil || f != nil {
			st.Fail(rt, f, err)
		}
	}
}
