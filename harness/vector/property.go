package vector

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// Property is one vector isolation property, checked per mode.
type Property struct {
	Name     string
	Title    string
	Labels   []string
	NeedsSQL bool // runs only with Env.Target set
	check    func(ctx context.Context, env *Env, mode Mode, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T)
}

// Properties is the registry, in the order they run.
var Properties = []*Property{ReadIsolation, WriteIsolation, SQLAgreement}

// PropertyByName returns the named property, or nil.
func PropertyByName(name string) *Property {
	for _, p := range Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Errors a run reports instead of checking.
var (
	ErrNoTarget   = errors.New("no PostgreSQL target: vector-sql-agreement needs one (Env.WithTarget)")
	ErrMutantMode = errors.New("the mutant's defect cannot live in this mode")
)

// AppliesTo says whether the property applies in a mode of env, and why
// not: vector-sql-agreement needs a PostgreSQL target whose chunks name
// their vectors (document_chunks.vector_id); a seeded vector defect lives
// in the modes it names.
func (p *Property) AppliesTo(env *Env, mode Mode) (bool, string) {
	switch {
	case p.NeedsSQL && env.Target == nil:
		return false, ErrNoTarget.Error()
	case p.NeedsSQL && !hasChunkMapping(env.Target):
		return false, "the schema has no chunk-to-vector mapping (document_chunks with tenant_id and vector_id): " + p.Name + " ties SQL rows to vectors through it"
	case env.Mutant != nil && !env.Mutant.Applies(mode):
		return false, fmt.Sprintf("%s: %s lives in %v", ErrMutantMode, env.Mutant.Name, env.Mutant.Modes)
	}
	return true, ""
}

// Run checks the property in one mode and returns its result: counts, at
// most one finding (the minimal one rapid shrank to) or an error. The
// subject is the mode's name, so the replay line carries
// "--relation namespace" or "--relation shared"; findings name the
// relation "vector:<mode>".
func (p *Property) Run(ctx context.Context, env *Env, mode Mode, opts harness.RunOptions) *harness.Result {
	opts.Defaults()
	if ok, reason := p.AppliesTo(env, mode); !ok {
		return harness.NotApplicable(p.Name, string(mode), reason)
	}
	res := harness.RunCheck(p.Name, string(mode), opts, func(st *harness.CheckState) func(*rapid.T) {
		return p.check(ctx, env, mode, opts, st)
	})
	if res.Err == nil && len(res.Findings) == 0 && res.Checks > 0 && !res.Conclusive() {
		res.Err = fmt.Errorf("%w: %d vector operations in mode %s never reached another tenant's records: a clean result would prove nothing", harness.ErrBlind, res.Statements, mode)
	}
	res.Judge(false, false)
	return res
}
