package router

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// Property is one level-3 property, checked on one subject ("router" or
// "migration") through harness.RunCheck, so seeds, replay lines and counts
// mean what they mean everywhere else.
type Property struct {
	Name    string
	Title   string
	Labels  []string
	Subject string // the --relation of its replay line
	check   func(ctx context.Context, env *Env, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T)
}

func (p *Property) String() string { return p.Name }

// Properties is the registry, in the order they run.
var Properties = []*Property{RoutingIsolation, HostileHosts, MigrationIntegrity}

// PropertyByName returns the named property, or nil.
func PropertyByName(name string) *Property {
	for _, p := range Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Run checks the property and returns its result: counts, at most one
// finding (the minimal one rapid shrank to) or an error. A clean run that
// never served a request while rows lived in more than one database proves
// nothing and returns harness.ErrInconclusive.
func (p *Property) Run(ctx context.Context, env *Env, opts harness.RunOptions) *harness.Result {
	opts.Defaults()
	res := harness.RunCheck(p.Name, p.Subject, opts, func(st *harness.CheckState) func(*rapid.T) {
		return p.check(ctx, env, opts, st)
	})
	if res.Err == nil && len(res.Findings) == 0 && res.Checks > 0 && !res.Conclusive() {
		res.Err = fmt.Errorf("%w: %d requests through the router never ran while rows lived in more than one database: a clean result would prove nothing", harness.ErrBlind, res.Statements)
	}
	res.Judge(false, false)
	return res
}

// shrinkBudget bounds rapid's minimisation of a failure by
// RunOptions.ShrinkTime: rapid checks its own shrink deadline only
// between blocks, and one block can take dozens of attempts, each of
// which here loads every database. Once the budget is spent, further
// attempts pass at once, so rapid keeps the smallest case that failed.
type shrinkBudget struct {
	limit time.Duration
	first time.Time
}

func (b *shrinkBudget) spent() bool { return !b.first.IsZero() && time.Since(b.first) > b.limit }

func (b *shrinkBudget) failed() {
	if b.first.IsZero() {
		b.first = time.Now()
	}
}
