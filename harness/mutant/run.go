package mutant

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// Kill is one row of the kill matrix.
type Kill struct {
	Mutant     string  `json:"mutant"`
	Leaks      []int   `json:"leaks,omitempty"`
	Killed     bool    `json:"killed"`      // some property found it
	AsExpected bool    `json:"as_expected"` // by the expected kind on the expected relation
	Property   string  `json:"property,omitempty"`
	Subject    string  `json:"subject,omitempty"`
	Kind       string  `json:"kind,omitempty"`
	Relation   string  `json:"relation,omitempty"`
	Checks     int     `json:"checks_to_finding"`  // checks run until the first finding (all properties before it included)
	Seconds    float64 `json:"seconds_to_finding"` // search time until the first finding
	Summary    string  `json:"summary,omitempty"`
	Replay     string  `json:"replay,omitempty"`
	Replays    bool    `json:"replays"` // the finding came back from its seed
	// Findings counts findings on the reference schema (must be 0).
	Findings int `json:"findings,omitempty"`
	// Blind lists the reference's scenarios that ran without earning a
	// pass ("read-isolation documents: <reason>"): a reference row is
	// clean only when every scenario passed or does not apply.
	Blind []string `json:"blind,omitempty"`
	Error string   `json:"error,omitempty"`
}

// IsReference reports whether a matrix row is one of the clean references
// ("reference", "vector:reference", "level3:reference") rather than a
// seeded defect.
func IsReference(name string) bool {
	return name == Reference || strings.HasSuffix(name, ":"+Reference)
}

// Clean reports whether a reference row is clean: no finding, no error,
// and every scenario passed or does not apply (none blind).
func (k Kill) Clean() bool {
	return k.Findings == 0 && k.Error == "" && len(k.Blind) == 0
}

// judgeReference records, on a reference row, a scenario that neither
// passed, nor leaked (counted as a finding), nor does not apply.
func (k *Kill) judgeReference(res *harness.Result) {
	if res.Verdict == harness.VerdictBlind {
		k.Blind = append(k.Blind, res.Property+" "+res.Relation+": "+res.Reason)
	}
}

// Options size a mutant run.
type Options struct {
	Run harness.RunOptions
}

// Run runs the gate against one mutant (nil: the reference schema) on a
// private embedded server. For a mutant it stops at the first finding,
// trying the expected property and subjects first; it then replays that
// finding from its seed. For the reference it runs every default property.
func Run(ctx context.Context, m *Mutant, opts Options) Kill {
	k := Kill{Mutant: Reference}
	cfg := harness.Config{}
	if m != nil {
		k.Mutant, k.Leaks = m.Name, m.Leaks
		cfg.Overlays = []harness.SQLFile{{Name: "fixtures/mutants/" + m.Overlay, SQL: m.SQL}}
		cfg.Context, cfg.ContextSQL = m.Context, m.ContextSQL
	}
	db, err := pg.StartEmbedded(ctx, pg.EmbeddedOptions{})
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer db.Close(context.WithoutCancel(ctx))
	tg, err := harness.Open(ctx, db, cfg)
	if err != nil {
		k.Error = err.Error()
		return k
	}
	defer tg.Close()
	if opts.Run.Large.Tenants == 0 {
		opts.Run.Large = DefaultLarge
	}
	for _, p := range order(m) {
		if !p.On(opts.Run) {
			continue
		}
		if done := runProperty(ctx, tg, p, m, opts.Run, &k); done {
			break
		}
	}
	return k
}

// DefaultLarge sizes the large world of a kill-matrix run: just over a
// thousand tenants (what the lossy-key mutant needs to show), three rows
// each, loaded in well under a second.
var DefaultLarge = harness.LargeOptions{Tenants: 1500, PerTenant: 3}

// runProperty runs one property on its subjects, between its setup and
// teardown, into k. It reports whether the run is over: a mutant's first
// finding, or an error.
func runProperty(ctx context.Context, tg *harness.Target, p *harness.Property, m *Mutant, opts harness.RunOptions, k *Kill) (done bool) {
	teardown, err := p.Prepare(ctx, tg, opts)
	if err != nil {
		k.Error = err.Error()
		return true
	}
	defer func() {
		if err := teardown(context.WithoutCancel(ctx)); err != nil && k.Error == "" {
			k.Error, done = err.Error(), true
		}
	}()
	for _, subj := range subjects(p, tg, m) {
		res := p.RunSubject(ctx, tg, subj, opts)
		if res.Err != nil {
			k.Error = res.Property + " " + res.Relation + ": " + res.Err.Error()
			return true
		}
		if m == nil {
			k.judgeReference(res)
		}
		if len(res.Findings) == 0 {
			k.Checks += res.Checks
			k.Seconds += res.Seconds
			continue
		}
		f := res.Findings[0]
		if m == nil {
			k.Findings++
			if k.Summary == "" {
				k.Summary, k.Replay = f.Summary(), f.Replay
			}
			continue
		}
		k.Killed = true
		k.Property, k.Subject, k.Kind, k.Relation = p.Name, subj.Name, string(f.Kind), f.Relation
		k.AsExpected = p.Name == m.Property && (m.Expects(string(f.Kind), f.Relation) || m.Expects(string(f.Kind), subj.Name))
		k.Checks += res.Checks
		k.Seconds += res.SecondsToFinding
		k.Summary, k.Replay = f.Summary(), f.Replay
		again := opts
		again.Seed, again.ExactSeed, again.Checks, again.ShrinkTime = f.Seed, true, 1, time.Second
		if r := p.RunSubject(ctx, tg, subj, again); len(r.Findings) > 0 && r.Findings[0].Kind == f.Kind {
			k.Replays = true
		}
		return true
	}
	return false
}

// order puts the mutant's expected property first; role tricks run only
// when expected (they fail by design on a setting-held context).
func order(m *Mutant) []*harness.Property {
	var out []*harness.Property
	if m != nil {
		if p := harness.PropertyByName(m.Property); p != nil {
			out = append(out, p)
		}
	}
	for _, p := range harness.Properties {
		if p == harness.RoleTricks || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// subjects lists a property's subjects, the mutant's expected ones first.
func subjects(p *harness.Property, tg *harness.Target, m *Mutant) []harness.Subject {
	all := p.Subjects(tg)
	if m == nil {
		return all
	}
	var first, rest []harness.Subject
	for _, s := range all {
		if slices.Contains(m.Relations, s.Name) {
			first = append(first, s)
		} else {
			rest = append(rest, s)
		}
	}
	return append(first, rest...)
}
