// Package properties is the one registry of what tenantfuzz checks: the
// isolation properties of every layer (SQL under row-level security, the
// vector store, the level-3 router, the API service), each with its subjects on a target
// and, where a property cannot apply, the reason. The gate, the Ginkgo
// specs, the reports, --property and --list-properties all read it.
//
// How a property is checked (targets, tenant sessions, execution, oracles)
// lives in harness and its sub-packages (harness/vector, harness/router);
// this package only names, lists and dispatches.
package properties

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// Layer is the part of the stack a property checks.
type Layer string

// The layers.
const (
	SQL     Layer = "sql"     // PostgreSQL under row-level security
	Vector  Layer = "vector"  // the vector store and the repository over it
	Routing Layer = "routing" // level 3: the router and dedicated databases
	API     Layer = "api"     // the HTTP service in front of the database
)

// Env is what a run checks: the SQL target, and the vector store and the
// level-3 router when the run has them (with the reason when not).
type Env struct {
	Target      *harness.Target
	Vector      *vector.Env // nil: no vector store under test (VectorOff says why)
	VectorModes []vector.Mode
	VectorOff   string
	Router      *router.Env // nil: no level 3 (RouterOff says why)
	RouterOff   string
	API         *api.Env // nil: no API service under test (APIOff says why)
	APIOff      string
}

// Subject is what one scenario checks a property on (a relation, a pool
// size, a vector mode, the router), and the reason when the property does
// not apply to it.
type Subject struct {
	Name          string
	NotApplicable string // "" when the property applies
	sql           harness.Subject
	mode          vector.Mode
}

// Property is one isolation property of any layer.
type Property struct {
	Name   string
	Title  string
	Labels []string // Ginkgo labels, the layer's included
	Layer  Layer
	// Serial: the property's specs run alone (level 3: each check empties
	// every level-3 database).
	Serial bool
	sql    *harness.Property
	vec    *vector.Property
	rt     *router.Property
	api    *api.Property
}

func (p *Property) String() string { return p.Name }

// SQLProperty returns the harness property behind a SQL-layer property,
// or nil.
func (p *Property) SQLProperty() *harness.Property { return p.sql }

// On reports whether the run's options turn the property on (the large
// world is on only when sized).
func (p *Property) On(opts harness.RunOptions) bool { return p.sql == nil || p.sql.On(opts) }

// HasSetup reports whether the property prepares the target once around
// all its subjects (Prepare).
func (p *Property) HasSetup() bool { return p.sql != nil && p.sql.Setup != nil }

// Prepare runs the property's setup and returns what undoes it.
func (p *Property) Prepare(ctx context.Context, env *Env, opts harness.RunOptions) (func(context.Context) error, error) {
	if p.sql == nil {
		return func(context.Context) error { return nil }, nil
	}
	return p.sql.Prepare(ctx, env.Target, opts)
}

// Subjects lists the property's subjects in env, in a fixed order. A layer
// the run does not have yields its subjects with the reason they are not
// checked, so a report never drops a property silently.
func (p *Property) Subjects(env *Env) []Subject {
	var out []Subject
	switch {
	case p.sql != nil:
		for _, s := range p.sql.Subjects(env.Target) {
			subj := Subject{Name: s.Name, sql: s}
			if ok, reason := p.sql.AppliesTo(env.Target, s); !ok {
				subj.NotApplicable = reason
			}
			out = append(out, subj)
		}
	case p.vec != nil:
		modes := env.VectorModes
		if len(modes) == 0 {
			modes = vector.Modes
		}
		for _, m := range modes {
			subj := Subject{Name: string(m), mode: m}
			switch {
			case env.Vector == nil:
				subj.NotApplicable = env.VectorOff
			default:
				if ok, reason := p.vec.AppliesTo(env.Vector, m); !ok {
					subj.NotApplicable = reason
				}
			}
			out = append(out, subj)
		}
	case p.rt != nil:
		subj := Subject{Name: p.rt.Subject}
		if env.Router == nil {
			subj.NotApplicable = env.RouterOff
		}
		out = append(out, subj)
	case p.api != nil:
		subj := Subject{Name: api.Subject}
		if env.API == nil {
			subj.NotApplicable = env.APIOff
			if subj.NotApplicable == "" {
				subj.NotApplicable = "no API service under test in this run"
			}
		}
		out = append(out, subj)
	}
	return out
}

// Run checks the property on one subject.
func (p *Property) Run(ctx context.Context, env *Env, subj Subject, opts harness.RunOptions) *harness.Result {
	if subj.NotApplicable != "" {
		return harness.NotApplicable(p.Name, subj.Name, subj.NotApplicable)
	}
	switch {
	case p.sql != nil:
		return p.sql.RunSubject(ctx, env.Target, subj.sql, opts)
	case p.vec != nil:
		return p.vec.Run(ctx, env.Vector, subj.mode, opts)
	case p.api != nil:
		return p.api.Run(ctx, env.API, opts)
	default:
		return p.rt.Run(ctx, env.Router, opts)
	}
}

// All is the registry, in the order the properties run: SQL, vector,
// routing, API, each in its layer's own order.
var All = func() []*Property {
	var out []*Property
	for _, p := range harness.Properties {
		out = append(out, &Property{Name: p.Name, Title: p.Title, Labels: p.Labels, Layer: SQL, sql: p})
	}
	for _, p := range vector.Properties {
		out = append(out, &Property{Name: p.Name, Title: p.Title, Labels: append([]string{"vector"}, p.Labels...), Layer: Vector, vec: p})
	}
	for _, p := range router.Properties {
		out = append(out, &Property{Name: p.Name, Title: p.Title, Labels: append([]string{"routing"}, p.Labels...), Layer: Routing, Serial: true, rt: p})
	}
	for _, p := range api.Properties {
		out = append(out, &Property{Name: p.Name, Title: p.Title, Labels: p.Labels, Layer: API, api: p})
	}
	return out
}()

// ByName returns the named property, or nil.
func ByName(name string) *Property {
	for _, p := range All {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Names lists the properties' names, in registry order.
func Names() []string {
	out := make([]string, len(All))
	for i, p := range All {
		out[i] = p.Name
	}
	return out
}

// Select returns the named properties, in registry order, or an error
// naming the unknown ones; no names selects all.
func Select(names []string) ([]*Property, error) {
	if len(names) == 0 {
		return All, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if ByName(n) == nil {
			return nil, fmt.Errorf("unknown property %q: tenantfuzz run --list-properties lists them (%s)", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var out []*Property
	for _, p := range All {
		if want[p.Name] {
			out = append(out, p)
		}
	}
	return out, nil
}
