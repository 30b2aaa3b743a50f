package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/profile"
)

// maxDefaultParallel caps the default worker count: more databases than
// that cost more memory and connections than a gate gains.
const maxDefaultParallel = 8

// parallelism is the number of workers of a run: --parallel, else the
// profile's parallel:, else the number of CPUs (at most 8). A replay runs
// its one check on one worker; the role-per-tenant strategy creates tenant
// roles, which are cluster-wide and would meet across workers, so it runs
// on one too.
func parallelism(o options, prof *profile.Profile, replay bool, tg *harness.Target) (int, error) {
	n := o.parallel
	switch {
	case n < 0:
		return 0, fmt.Errorf("--parallel must be 1 or more (0: the default), got %d", n)
	case n == 0 && prof.Parallel > 0:
		n = prof.Parallel
	case n == 0:
		n = min(runtime.NumCPU(), maxDefaultParallel)
	}
	if replay || tg.Strategy.Role != nil {
		n = 1
	}
	return max(n, 1), nil
}

// openWorkers clones the target for the workers beyond the first; the
// caller closes them with harness.CloseClones.
func openWorkers(ctx context.Context, tg *harness.Target, n int) ([]*harness.Target, error) {
	if n <= 1 {
		return nil, nil
	}
	ws, err := tg.Clones(ctx, n-1)
	if err != nil {
		return nil, fmt.Errorf("--parallel %d: %w (or run with --parallel 1)", n, err)
	}
	return ws, nil
}
