package mutant

import (
	"context"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// Options size a mutant run.
type Options struct {
	Run harness.RunOptions
}

// DefaultLarge sizes the large world of a kill-matrix run: just over a
// thousand tenants (what the lossy-key mutant needs to show), three rows
// each, loaded in well under a second.
var DefaultLarge = harness.LargeOptions{Tenants: 1500, PerTenant: 3}

// APIChecksFactor multiplies the matrix's checks for the API layer's rows.
// An API check is one world and 4 to 6 requests, each drawing one of many
// families (17 endpoints, a dozen hostile credentials, eleven Host
// variants, bodies with and without a tenant): 40 checks, about 200
// requests, met some defects' one family in some seeds and not in others
// (seed 1: body-tenant found at check 101, deleted-tenant-honoured at 67,
// subdomain-port at 57). The reference row runs the same budget, so its
// clean verdict is at least as strong as the defects' kills.
const APIChecksFactor = 4

// Run runs one row of the matrix, of any layer, the same way. For a
// defect it runs its layer's properties (the expected property and
// subjects first) until the first finding, then replays that finding from
// its seed with one check. For a reference it runs every property of the
// layer on every subject: the row is clean only when none finds anything,
// errs or is blind. An error is the row's result (ERROR), never a
// survivor.
func Run(ctx context.Context, r *Row, opts Options) Kill {
	k := Kill{Mutant: r.Name, Leaks: r.Leaks}
	run := opts.Run
	if run.Large.Tenants == 0 {
		run.Large = DefaultLarge
	}
	if r.ReplayBase != "" {
		run.ReplayBase = r.ReplayBase
	}
	if r.Layer == properties.API {
		run.Checks *= APIChecksFactor
	}
	env, props, closeEnv, err := r.open(ctx)
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer closeEnv()
	for _, p := range r.order(props) {
		if !p.On(run) {
			continue
		}
		if done := runProperty(ctx, env, p, r, run, &k); done {
			break
		}
	}
	return k
}

// runProperty runs one property on its subjects, between its setup and
// teardown, into k. It reports whether the row is over: a defect's first
// finding, or an error.
func runProperty(ctx context.Context, env *properties.Env, p checker, r *Row, opts harness.RunOptions, k *Kill) (done bool) {
	teardown, err := p.Prepare(ctx, env, opts)
	if err != nil {
		k.Error = p.String() + ": " + err.Error()
		return true
	}
	defer func() {
		if err := teardown(context.WithoutCancel(ctx)); err != nil && k.Error == "" {
			k.Error, done = p.String()+" teardown: "+err.Error(), true
		}
	}()
	for _, subj := range r.subjects(p.Subjects(env)) {
		if subj.NotApplicable != "" && !r.Reference() {
			continue // a defect is hunted where the property applies
		}
		res := p.Run(ctx, env, subj, opts)
		if len(res.Findings) == 0 {
			k.Checks += res.Checks
			k.Seconds += res.Seconds
			if res.Err != nil { // an error is an ERROR row, not a survivor nor a clean reference
				k.Error = res.Property + " " + res.Relation + ": " + res.Err.Error()
				return true
			}
			if r.Reference() {
				k.judgeReference(res)
			}
			continue
		}
		f := res.Findings[0]
		if r.Reference() {
			k.Findings++
			if k.Summary == "" {
				k.Summary, k.Replay = f.Summary(), f.Replay
			}
			continue
		}
		k.Killed = true
		k.Property, k.Subject, k.Kind, k.Relation = p.String(), subj.Name, string(f.Kind), f.Relation
		k.AsExpected = p.String() == r.Property && r.kills(f.Kind, f.Relation, subj.Name)
		k.Checks += res.Checks
		k.Seconds += res.SecondsToFinding
		k.Summary, k.Replay = f.Summary(), f.Replay
		again := opts
		again.Seed, again.ExactSeed, again.Checks, again.ShrinkTime = f.Seed, true, 1, 100*time.Millisecond // the replay needs the kind, not a second minimisation
		if rr := p.Run(ctx, env, subj, again); len(rr.Findings) > 0 && rr.Findings[0].Kind == f.Kind {
			k.Replays = true
		}
		return true
	}
	return false
}
