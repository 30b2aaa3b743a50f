package mutant

import (
	"context"
	"slices"

	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

// RouterPrefix marks level-3 mutants in the matrix ("level3:case-sensitive-host").
const RouterPrefix = "level3:"

// RunRouter runs the level-3 properties against one routing or migration
// mutant (nil: the reference router and migration) on fresh shared and
// dedicated databases.
func RunRouter(ctx context.Context, m *router.Mutant, opts Options) Kill {
	k := Kill{Mutant: RouterPrefix + "reference"}
	env, err := router.NewEnv(ctx, router.EnvOptions{Dedicated: 2})
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer env.Close()
	if m == nil {
		for _, p := range router.Properties {
			res := p.Run(ctx, env, opts.Run)
			k.Checks += res.Checks
			k.Seconds += res.Seconds
			if res.Err != nil {
				k.Error = res.Property + " " + res.Relation + ": " + res.Err.Error()
				return k
			}
			k.judgeReference(res)
			if len(res.Findings) > 0 {
				k.Findings++
				k.Summary, k.Replay = res.Findings[0].Summary(), res.Findings[0].Replay
			}
		}
		return k
	}
	k.Mutant, k.Leaks = RouterPrefix+m.Name, []int{m.Entry}
	hunt, err := router.HuntMutant(ctx, env, m, opts.Run)
	if err != nil {
		k.Error = err.Error()
		return k
	}
	res := hunt.Result
	k.Checks, k.Seconds = res.Checks, res.SecondsToFinding
	if res.Err != nil && len(res.Findings) == 0 { // errored, not survived
		k.Error = res.Property + " " + res.Relation + ": " + res.Err.Error()
		return k
	}
	if len(res.Findings) > 0 {
		f := res.Findings[0]
		k.Killed = true
		k.Property, k.Subject, k.Kind, k.Relation = res.Property, res.Relation, string(f.Kind), f.Relation
		k.AsExpected = hunt.Killed && slices.Contains(m.Kinds, f.Kind)
		k.Replays = hunt.Replays
		k.Summary, k.Replay = f.Summary(), f.Replay
	}
	return k
}
