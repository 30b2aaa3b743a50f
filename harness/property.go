package harness

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// Property is one isolation property, checked relation by relation.
type Property struct {
	Name   string   // stable id, e.g. "read-isolation"
	Title  string   // one line for humans
	Labels []string // Ginkgo labels
	// Relations lists the relations the property is checked on; nil for
	// properties checked on named subjects instead (Plain).
	Relations func(*catalog.Catalog) []*catalog.Relation
	// Plain lists named subjects for properties not tied to a relation
	// (pool sizes, strategies).
	Plain func(*Target) []string
	// Enabled, when set, says whether the run's options turn the property
	// on (nil: always on).
	Enabled func(RunOptions) bool
	// Setup, when set, prepares the target before the property's first
	// subject and returns what undoes it after its last (a large world
	// loaded, then dropped). Runners call it once around all subjects.
	Setup func(ctx context.Context, tg *Target, opts RunOptions) (teardown func(context.Context) error, err error)
	// Applies, when set, says whether the property applies to a subject
	// and, when not, why (a table with no key a tenant can choose, for
	// side-channel). Relations that hold no tenant rows never apply to a
	// relation property (see Target.Applies).
	Applies func(tg *Target, subj Subject) (ok bool, reason string)
	// control: the property has a positive control (Stats.Own): a clean
	// run on a tenant table in which the tenant never saw or changed its
	// own rows is blind, not a pass.
	control bool
	// membership: the property's oracles know membership tenancy (a
	// viewer is a user, its own rows those of every tenant it belongs
	// to); the others do not apply under it.
	membership bool
	// unreachable, when set, explains a blind verdict the property cannot
	// help (the application role bypasses row-level security on the
	// subject, so every tenant's answer is every other's): the subject is
	// then not applicable, with that reason.
	unreachable func(ctx context.Context, tg *Target, subj Subject) string
	// sized, when set, adjusts the run's sizes for this property.
	sized func(RunOptions) RunOptions
	// check returns the rapid property for one subject.
	check func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T)
}

// Prepare runs the property's Setup, if it has one, and returns what undoes
// it (a no-op when there is none).
func (p *Property) Prepare(ctx context.Context, tg *Target, opts RunOptions) (func(context.Context) error, error) {
	if p.Setup == nil {
		return func(context.Context) error { return nil }, nil
	}
	return p.Setup(ctx, tg, opts)
}

// On reports whether the property runs with these options.
func (p *Property) On(opts RunOptions) bool { return p.Enabled == nil || p.Enabled(opts) }

// Subject is what one spec checks a property on: a relation, or a name.
type Subject struct {
	Name string
	Rel  *catalog.Relation // nil for named subjects
}

// Subjects lists the property's subjects on a target.
func (p *Property) Subjects(tg *Target) []Subject {
	var out []Subject
	if p.Relations != nil {
		for _, r := range p.Relations(tg.Catalog) {
			out = append(out, Subject{r.String(), r})
		}
	}
	if p.Plain != nil {
		for _, n := range p.Plain(tg) {
			out = append(out, Subject{Name: n})
		}
	}
	return out
}

// RunOptions size a property run.
type RunOptions struct {
	Checks     int    // rapid checks per relation (default 50)
	Seed       uint64 // run seed; per-property seeds derive from it
	ExactSeed  bool   // use Seed as the rapid seed as is (replay)
	World      generators.WorldOptions
	Statements int // statements per check, default 4
	// Large sizes the large-world property (off when Large.Tenants is 0).
	Large LargeOptions
	// Deadline, when set, ends the search early (a time budget): later
	// checks are skipped and not counted.
	Deadline time.Time
	// ShrinkTime bounds how long rapid minimises a failing case (default 5s).
	ShrinkTime time.Duration
	// ReplayBase is the command line that stands up the same target, e.g.
	// "tenantfuzz replay --overlay x.sql"; the harness appends what picks
	// the property, relation and seed.
	ReplayBase string
	// Progress, when set, is called after each counted check with the
	// checks done so far on the subject (a progress display).
	Progress func(property, subject string, checksDone int)
}

// Defaults fills the sizes left zero: 50 checks, 4 statements, 5 s of
// shrinking.
func (o *RunOptions) Defaults() {
	if o.Checks <= 0 {
		o.Checks = 50
	}
	if o.Statements <= 0 {
		o.Statements = 4
	}
	if o.ShrinkTime <= 0 {
		o.ShrinkTime = 5 * time.Second
	}
}

// CheckState carries counts and the last finding out of rapid's runs; a
// property body reports through it.
type CheckState struct {
	stats     Stats
	shrinking bool // a failure was seen: later runs are rapid's shrinking
	last      *Finding
	setupErr  error
	firstFail time.Time
	progress  func(checksDone int)
	// cut: a check was skipped because the time budget was spent.
	cut bool
}

// Expired reports whether the time budget is spent (and records that the
// search was cut short: its result is partial); a failure being shrunk
// always runs to its end.
func (s *CheckState) Expired(deadline time.Time) bool {
	if !s.shrinking && !deadline.IsZero() && time.Now().After(deadline) {
		s.cut = true
		return true
	}
	return false
}

// NeedsControl reports whether the search has not yet seen the positive
// control (Stats.Own): a property whose control costs a run of its own
// (fail-closed's tenant state) runs it only until one check saw it. While
// shrinking a failure the control is not needed.
func (s *CheckState) NeedsControl() bool { return !s.shrinking && s.stats.Own == 0 }

// Count adds a check's stats unless rapid is shrinking.
func (s *CheckState) Count(st Stats) {
	if !s.shrinking {
		s.stats.Add(st)
		if s.progress != nil {
			s.progress(s.stats.Checks)
		}
	}
}

// Fail records a finding or setup error and fails the rapid check.
func (s *CheckState) Fail(rt *rapid.T, f *Finding, err error) {
	if !s.shrinking {
		s.firstFail = time.Now()
	}
	s.shrinking = true
	if err != nil {
		s.setupErr = err
		rt.Fatalf("setup: %v", err)
	}
	s.last = f
	rt.Fatalf("%s", f.Summary())
}

// PropertySeed derives the rapid seed of a property on a relation from the
// run seed, so each spec is independent of the order specs run in.
func PropertySeed(seed uint64, property, relation string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%s", seed, property, relation)
	s := h.Sum64()
	if s == 0 {
		s = 1 // rapid reads 0 as "pick a random seed"
	}
	return s
}

// Run checks the property on one relation and returns its result: counts,
// at most one finding (the minimal one rapid shrank to), or a setup error.
func (p *Property) Run(ctx context.Context, tg *Target, rel *catalog.Relation, opts RunOptions) *Result {
	return p.RunSubject(ctx, tg, Subject{rel.String(), rel}, opts)
}

// RunSubject checks the property on one subject.
func (p *Property) RunSubject(ctx context.Context, tg *Target, subj Subject, opts RunOptions) *Result {
	if p.sized != nil && !opts.ExactSeed { // a replay runs its one check
		opts = p.sized(opts)
	}
	opts.Defaults()
	if tg.large != nil && p != LargeWorld {
		return &Result{Property: p.Name, Relation: subj.Name, Err: errLargeLoaded, Verdict: VerdictError}
	}
	if ok, reason := p.AppliesTo(tg, subj); !ok {
		return NotApplicable(p.Name, subj.Name, reason)
	}
	rewind := tg.KeepSequences(ctx) // worlds advance sequences even when rolled back
	res := RunCheck(p.Name, subj.Name, opts, func(st *CheckState) func(*rapid.T) { return p.check(ctx, tg, subj, opts, st) })
	if err := rewind(); err != nil && res.Err == nil {
		res.Err = err
	}
	tg.explainBypass(ctx, res)
	// Reach and the positive control are required on subjects that hold
	// tenant rows: tenant tables and named subjects (pools, strategies).
	// Views and functions may show no attributable row at all (a count);
	// their leaks show through the differential oracle.
	rel := subj.Rel
	tenantRows := rel == nil || (rel.IsTable() && tg.Catalog.Owned(rel))
	res.Judge(tenantRows, tenantRows && p.control)
	if res.Verdict == VerdictBlind && res.OnlyNoAccess() {
		res.Verdict, res.Reason = VerdictNotApplicable, "no access: "+res.RejectExamples["42501"]+" (the application role holds no privilege there)"
	}
	if res.Verdict == VerdictBlind && p.unreachable != nil {
		if why := p.unreachable(ctx, tg, subj); why != "" {
			res.Verdict, res.Reason = VerdictNotApplicable, why
		}
	}
	if res.Verdict == VerdictBlind {
		if d := tg.blindDiagnosis(ctx); d != "" {
			res.Reason += "; " + d
		}
	}
	return res
}

// AppliesTo says whether the property applies to the subject, and why not.
// A relation property never applies to a table that holds no tenant rows
// (no tenant column, not the tenants table, no foreign-key path to one): a
// lookup or directory every tenant may read.
func (p *Property) AppliesTo(tg *Target, subj Subject) (bool, string) {
	if rel := subj.Rel; rel != nil && rel.IsTable() && !tg.Catalog.Owned(rel) {
		if tg.Catalog.DeclaredGlobal(rel) {
			return false, subj.Name + " is declared global (--global): its rows belong to no tenant, every tenant may read them"
		}
		return false, fmt.Sprintf("%s holds no tenant rows (no %s column, not the tenants table, no foreign key to a tenant table): a global table every tenant may read", subj.Name, tg.Config.TenantColumn)
	}
	if tg.membership() && !p.membership {
		return false, "membership tenancy (" + tg.Catalog.Membership.String() + "): " + p.Name + " does not model users in several tenants yet (see docs/membership.md)"
	}
	if p.Applies != nil {
		return p.Applies(tg, subj)
	}
	return true, ""
}

// RunCheck runs a rapid property body for one subject (a relation, a
// vector mode ...) with the run's seed, checks, shrink time and deadline,
// and turns what the body reported through its CheckState into a Result.
// Every property, SQL or not, runs through here, so seeds, replay lines and
// counts mean the same everywhere.
func RunCheck(property, subject string, opts RunOptions, body func(*CheckState) func(*rapid.T)) *Result {
	opts.Defaults()
	seed := opts.Seed
	if !opts.ExactSeed {
		seed = PropertySeed(opts.Seed, property, subject)
	}
	start := time.Now()
	st := &CheckState{}
	if opts.Progress != nil {
		st.progress = func(n int) { opts.Progress(property, subject, n) }
	}
	failed, failSeed, log := runRapid(property+"/"+subject, seed, opts.Checks, opts.ShrinkTime, body(st))
	res := &Result{Property: property, Relation: subject, Seed: seed, Stats: st.stats, Duration: time.Since(start)}
	res.Seconds = res.Duration.Seconds()
	if st.cut && res.Checks < opts.Checks {
		res.Planned = opts.Checks // the budget cut the search short: partial
	}
	switch {
	case st.setupErr != nil:
		res.Err = st.setupErr
	case st.last != nil:
		f := st.last
		if failSeed == 0 {
			failSeed = seed
		}
		f.Seed = failSeed
		f.Replay = fmt.Sprintf("%s --property %s --relation %s --seed %d", opts.ReplayBase, property, shellWord(subject), failSeed)
		res.Findings = append(res.Findings, f)
		res.SecondsToFinding = st.firstFail.Sub(start).Seconds()
		res.Log = log
	case st.stats.emptyTable() != "":
		res.Err = errors.New(st.stats.emptyTable())
	case failed:
		res.Err = fmt.Errorf("property %s on %s failed without a finding (a harness bug): %s", property, subject, log)
	case res.Checks == 0:
		res.Err = fmt.Errorf("%w: no check ran on %s: the time budget was spent before this property; raise the profile's budget or lower its checks", ErrBlind, subject)
	}
	return res
}

// shellWord quotes a subject for a command line when it has spaces or
// parentheses ("strategy sql", "f(p text)").
func shellWord(s string) string {
	if strings.ContainsAny(s, " ()'\"$") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
