package mutant

import (
	"context"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// VectorPrefix marks vector mutants in the matrix ("vector:filter-dropped").
const VectorPrefix = "vector:"

// RunVector runs the vector properties against one vector mutant (nil:
// the reference repository) on the fake Pinecone server, in every mode the
// defect can live in, stopping at the first finding and replaying it.
func RunVector(ctx context.Context, m *vector.Mutant, opts Options) Kill {
	k := Kill{Mutant: VectorPrefix + "reference"}
	db, err := pg.StartEmbedded(ctx, pg.EmbeddedOptions{})
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer db.Close(context.WithoutCancel(ctx))
	tg, err := harness.Open(ctx, db, harness.Config{})
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer tg.Close()
	base, err := vector.NewFakeEnv(ctx, vector.FakeOptions{})
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer base.Close()
	env := base.WithTarget(tg)
	if m != nil {
		k.Mutant, k.Leaks = VectorPrefix+m.Name, []int{m.Entry}
		env = env.WithMutant(m)
	}
	for _, p := range vectorOrder(m) {
		for _, mode := range vector.Modes {
			if m != nil && !m.Applies(mode) {
				continue
			}
			res := p.Run(ctx, env, mode, opts.Run)
			if len(res.Findings) == 0 {
				k.Checks += res.Checks
				k.Seconds += res.Seconds
				if res.Err != nil { // a mutant run that errored is an ERROR row, not a survivor
					k.Error = res.Property + " " + res.Relation + ": " + res.Err.Error()
					return k
				}
				if m == nil {
					k.judgeReference(res)
				}
				continue
			}
			f := res.Findings[0]
			if m == nil {
				k.Findings++
				k.Summary, k.Replay = f.Summary(), f.Replay
				continue
			}
			k.Killed = true
			k.Property, k.Subject, k.Kind, k.Relation = p.Name, string(mode), string(f.Kind), f.Relation
			k.AsExpected = f.Kind == m.Kind
			k.Checks += res.Checks
			k.Seconds += res.SecondsToFinding
			k.Summary, k.Replay = f.Summary(), f.Replay
			again := opts.Run
			again.Seed, again.ExactSeed, again.Checks, again.ShrinkTime = f.Seed, true, 1, time.Second
			if r := p.Run(ctx, env, mode, again); len(r.Findings) > 0 && r.Findings[0].Kind == f.Kind {
				k.Replays = true
			}
			return k
		}
	}
	return k
}

// vectorProperty is the vector property whose oracle reports each kind:
// a vector mutant is expected from it.
var vectorProperty = map[harness.Kind]string{
	vector.KindVectorRead:        "vector-read-isolation",
	vector.KindVectorWrite:       "vector-write-isolation",
	vector.KindSQLVectorMismatch: "vector-sql-agreement",
}

// vectorOrder runs the property that reports the mutant's kind first.
func vectorOrder(m *vector.Mutant) []*vector.Property {
	var out, rest []*vector.Property
	for _, p := range vector.Properties {
		if m != nil && vectorProperty[m.Kind] == p.Name {
			out = append(out, p)
		} else {
			rest = append(rest, p)
		}
	}
	return append(out, rest...)
}
