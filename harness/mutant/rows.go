package mutant

import (
	"context"
	"slices"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// Prefixes of the rows of the layers other than SQL ("vector:filter-dropped",
// "level3:case-sensitive-host", "api:idor-get"); each layer's clean row is
// its prefix plus Reference.
const (
	VectorPrefix = "vector:"
	RouterPrefix = "level3:"
	APIPrefix    = "api:"
)

// Row is one row of the kill matrix before it runs: a seeded defect of
// one layer's catalogue, or the layer's clean reference, with what must
// find it and how to stand up the environment that holds it. Every row
// runs the same way (Run): the registry's properties of its layer, the
// expected one first, until the first finding, which must replay.
type Row struct {
	Name  string
	Layer properties.Layer
	Leaks []int // docs/leaks.md entries
	// Property must find the defect ("" for a reference row).
	Property string
	// First lists the subjects to try first (a SQL defect's relations).
	First []string
	// ReplayBase starts the replay line of the row's findings ("": the
	// run options' own).
	ReplayBase string
	// kills reports whether a finding of kind, on relation, found on the
	// property's subject, is the one the defect must produce.
	kills func(kind harness.Kind, relation, subject string) bool
	// open stands up the row's environment and the properties that run
	// in it; close undoes it.
	open func(ctx context.Context) (env *properties.Env, props []checker, close func(), err error)
}

// Reference reports whether the row is a layer's clean reference.
func (r *Row) Reference() bool { return IsReference(r.Name) }

// Rows is the whole kill matrix, in the order it prints: the SQL
// reference and the defects of fixtures/mutants (ms), then the level-3,
// vector and API layers, each reference before its catalogue.
func Rows(ms []*Mutant) []*Row {
	rows := []*Row{SQLRow(nil)}
	for _, m := range ms {
		rows = append(rows, SQLRow(m))
	}
	rows = append(rows, RouterRow(nil))
	for _, m := range router.Mutants {
		rows = append(rows, RouterRow(m))
	}
	rows = append(rows, VectorRow(nil))
	for _, m := range vector.Mutants {
		rows = append(rows, VectorRow(m))
	}
	rows = append(rows, APIRow(nil))
	for _, m := range api.Mutants {
		rows = append(rows, APIRow(m))
	}
	return rows
}

// FindRow returns the named row, or nil.
func FindRow(rows []*Row, name string) *Row {
	for _, r := range rows {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// registry lists the registry's properties of a layer, in registry order.
func registry(layer properties.Layer) []checker {
	var out []checker
	for _, p := range properties.All {
		if p.Layer == layer {
			out = append(out, p)
		}
	}
	return out
}

// SQLRow is the row of a defect of fixtures/mutants (nil: the reference
// schema), on a private embedded server. A kill needs the expected kind on
// one of the expected relations (the finding's, or the subject's).
func SQLRow(m *Mutant) *Row {
	r := &Row{Name: Reference, Layer: properties.SQL}
	cfg := harness.Config{}
	if m != nil {
		r.Name, r.Leaks, r.Property, r.First = m.Name, m.Leaks, m.Property, m.Relations
		r.kills = func(kind harness.Kind, relation, subject string) bool {
			return m.Expects(string(kind), relation) || m.Expects(string(kind), subject)
		}
		cfg.Overlays = []harness.SQLFile{{Name: "fixtures/mutants/" + m.Overlay, SQL: m.SQL}}
		cfg.Context, cfg.ContextSQL = m.Context, m.ContextSQL
	}
	r.open = func(ctx context.Context) (*properties.Env, []checker, func(), error) {
		db, tg, err := openTarget(ctx, cfg)
		if err != nil {
			return nil, nil, nil, err
		}
		env := &properties.Env{Target: tg, VectorOff: "the SQL rows check the schema only", RouterOff: "the SQL rows check the schema only"}
		return env, registry(properties.SQL), func() { tg.Close(); _ = db.Close(context.Background()) }, nil
	}
	return r
}

// openTarget starts a private embedded server and opens cfg on it.
func openTarget(ctx context.Context, cfg harness.Config) (*pg.Database, *harness.Target, error) {
	db, err := pg.StartEmbedded(ctx, pg.EmbeddedOptions{})
	if err != nil {
		return nil, nil, err
	}
	tg, err := harness.Open(ctx, db, cfg)
	if err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return db, tg, nil
}

// vectorProperty is the vector property whose oracle reports each kind:
// a vector mutant is expected from it unless it names its Property.
var vectorProperty = map[harness.Kind]string{
	vector.KindVectorRead:        "vector-read-isolation",
	vector.KindVectorWrite:       "vector-write-isolation",
	vector.KindSQLVectorMismatch: "vector-sql-agreement",
}

// VectorRow is the row of a defect of the reference repository (nil: the
// reference) on the fake Pinecone server over the reference schema, in
// every mode the defect can live in.
func VectorRow(m *vector.Mutant) *Row {
	r := &Row{Name: VectorPrefix + Reference, Layer: properties.Vector}
	if m != nil {
		r.Name, r.Leaks, r.Property = VectorPrefix+m.Name, []int{m.Entry}, m.Property
		if r.Property == "" {
			r.Property = vectorProperty[m.Kind]
		}
		r.ReplayBase = "tenantfuzz replay --vector-mutant " + m.Name
		r.kills = func(kind harness.Kind, _, _ string) bool { return kind == m.Kind }
	}
	r.open = func(ctx context.Context) (*properties.Env, []checker, func(), error) {
		db, tg, err := openTarget(ctx, harness.Config{})
		if err != nil {
			return nil, nil, nil, err
		}
		base, err := vector.NewFakeEnv(ctx, vector.FakeOptions{})
		if err != nil {
			tg.Close()
			_ = db.Close(context.WithoutCancel(ctx))
			return nil, nil, nil, err
		}
		venv := base.WithTarget(tg)
		modes := vector.Modes
		if m != nil {
			venv, modes = venv.WithMutant(m), m.Modes
		}
		env := &properties.Env{Target: tg, Vector: venv, VectorModes: modes, RouterOff: "the vector rows check the vector store only"}
		return env, registry(properties.Vector), func() { base.Close(); tg.Close(); _ = db.Close(context.Background()) }, nil
	}
	return r
}

// RouterRow is the row of a routing or migration defect (nil: the
// reference router and migration) on fresh shared and dedicated
// databases.
func RouterRow(m *router.Mutant) *Row {
	r := &Row{Name: RouterPrefix + Reference, Layer: properties.Routing}
	if m != nil {
		r.Name, r.Leaks, r.Property = RouterPrefix+m.Name, []int{m.Entry}, m.Property
		r.ReplayBase = "tenantfuzz replay --router-mutant " + m.Name
		r.kills = func(kind harness.Kind, _, _ string) bool { return m.Kills(kind) }
	}
	r.open = func(ctx context.Context) (*properties.Env, []checker, func(), error) {
		renv, err := router.NewEnv(ctx, router.EnvOptions{Dedicated: 2})
		if err != nil {
			return nil, nil, nil, err
		}
		env := &properties.Env{Router: renv, VectorOff: "the level-3 rows check the router only"}
		if m != nil {
			env.Router = renv.WithMutant(m)
		}
		return env, registry(properties.Routing), renv.Close, nil
	}
	return r
}

// APIRow is the row of a defect of the reference JWT service (nil: the
// reference service) over a fresh embedded server with the reference
// schema.
func APIRow(m *api.Mutant) *Row {
	r := &Row{Name: APIPrefix + Reference, Layer: properties.API, ReplayBase: "tenantfuzz api"}
	if m != nil {
		r.Name, r.Property = APIPrefix+m.Name, m.Property
		if m.Entry > 0 {
			r.Leaks = []int{m.Entry}
		}
		r.ReplayBase = "tenantfuzz api --mutant " + harness.ShellQuote(m.Name)
		r.kills = func(kind harness.Kind, _, _ string) bool { return m.Kills(kind) }
	}
	r.open = func(ctx context.Context) (*properties.Env, []checker, func(), error) {
		aenv, err := api.NewEnv(ctx, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		menv := aenv
		if m != nil {
			menv = aenv.WithMutant(m) // shares the pools: close the original
		}
		env := &properties.Env{Target: aenv.Target, API: menv, VectorOff: "the API rows check the service only", RouterOff: "the API rows check the service only"}
		return env, registry(properties.API), aenv.Close, nil
	}
	return r
}

// checker is what a row runs: a property of the registry
// (*properties.Property).
type checker interface {
	String() string
	On(harness.RunOptions) bool
	Prepare(ctx context.Context, env *properties.Env, opts harness.RunOptions) (func(context.Context) error, error)
	Subjects(env *properties.Env) []properties.Subject
	Run(ctx context.Context, env *properties.Env, subj properties.Subject, opts harness.RunOptions) *harness.Result
}

// order puts the row's expected property first; role tricks run only
// when expected (they fail by design on a setting-held context).
func (r *Row) order(props []checker) []checker {
	var first, rest []checker
	for _, p := range props {
		switch {
		case p.String() == r.Property:
			first = append(first, p)
		case p.String() == harness.RoleTricks.Name:
		default:
			rest = append(rest, p)
		}
	}
	return append(first, rest...)
}

// subjects puts the row's expected subjects first.
func (r *Row) subjects(all []properties.Subject) []properties.Subject {
	var first, rest []properties.Subject
	for _, s := range all {
		if slices.Contains(r.First, s.Name) {
			first = append(first, s)
		} else {
			rest = append(rest, s)
		}
	}
	return append(first, rest...)
}
