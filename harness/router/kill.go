package router

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Kill is the outcome of hunting one mutant: the result of its property
// on the mutant, and whether its first finding came back from the
// finding's seed alone.
type Kill struct {
	Result  *harness.Result
	Killed  bool // a finding of one of the mutant's kinds
	Replays bool
}

// HuntMutant runs the mutant's property against the mutant (env must be
// the reference environment; the mutant is applied to a copy) and
// replays the first finding with one check from its seed, as the kill
// matrix requires.
func HuntMutant(ctx context.Context, env *Env, m *Mutant, opts harness.RunOptions) (Kill, error) {
	p := PropertyByName(m.Property)
	if p == nil {
		return Kill{}, fmt.Errorf("hunt mutant %s: unknown property %q: fix the registry", m.Name, m.Property)
	}
	menv := env.WithMutant(m)
	var k Kill
	k.Result, k.Killed, k.Replays = harness.Hunt(opts, func(o harness.RunOptions) *harness.Result { return p.Run(ctx, menv, o) }, m.Kills)
	return k, nil
}
