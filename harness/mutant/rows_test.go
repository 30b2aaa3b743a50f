package mutant

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// TestRowsAreTheCatalogues: the matrix has one row per defect of every
// catalogue (SQL, level 3, vector, API) and one reference per layer, each
// name once, and every defect's expected property is one its row runs.
// No server starts.
func TestRowsAreTheCatalogues(t *testing.T) {
	ms, err := Load(fixtures.Mutants())
	if err != nil {
		t.Fatal(err)
	}
	rows := Rows(ms)
	want := len(ms) + len(router.Mutants) + len(vector.Mutants) + len(api.Mutants) + 4
	if len(rows) != want {
		t.Errorf("%d rows, want %d (every catalogue and four references)", len(rows), want)
	}
	seen := map[string]bool{}
	refs := 0
	for _, r := range rows {
		if seen[r.Name] {
			t.Errorf("row %s twice", r.Name)
		}
		seen[r.Name] = true
		if r.Reference() {
			refs++
			continue
		}
		var names []string
		for _, p := range registry(r.Layer) {
			names = append(names, p.String())
		}
		if !slices.Contains(names, r.Property) {
			t.Errorf("%s: expected property %q is not one of its layer's %v", r.Name, r.Property, names)
		}
		if r.kills == nil || len(r.Leaks) == 0 {
			t.Errorf("%s: no kind predicate or no docs/leaks.md entry", r.Name)
		}
	}
	if refs != 4 {
		t.Errorf("%d reference rows, want 4", refs)
	}
}

// stub stands in for a property, to prove what the runner makes of each
// outcome (the properties themselves are proven by their own tests and
// the kill matrix).
type stub struct {
	name string
	res  func(opts harness.RunOptions) *harness.Result
}

func (s stub) String() string             { return s.name }
func (s stub) On(harness.RunOptions) bool { return true }
func (s stub) Prepare(context.Context, *properties.Env, harness.RunOptions) (func(context.Context) error, error) {
	return func(context.Context) error { return nil }, nil
}
func (s stub) Subjects(*properties.Env) []properties.Subject {
	return []properties.Subject{{Name: "documents"}}
}
func (s stub) Run(_ context.Context, _ *properties.Env, _ properties.Subject, opts harness.RunOptions) *harness.Result {
	return s.res(opts)
}

func stubRow(name string, props ...checker) *Row {
	return &Row{Name: name, Property: "p", Leaks: []int{1},
		kills: func(kind harness.Kind, _, _ string) bool { return kind == "cross-tenant-read" },
		open: func(context.Context) (*properties.Env, []checker, func(), error) {
			return &properties.Env{}, props, func() {}, nil
		}}
}

// TestRunExcusesNothing: an environment that fails, or a property that
// errs, makes an ERROR row (not a survivor, not a clean reference); a
// blind reference scenario is listed; a finding of another kind kills,
// but not as expected; a kill replays only when its seed finds it again.
func TestRunExcusesNothing(t *testing.T) {
	ctx := context.Background()
	finding := func(kind harness.Kind) func(harness.RunOptions) *harness.Result {
		return func(o harness.RunOptions) *harness.Result {
			return &harness.Result{Property: "p", Relation: "documents", Stats: harness.Stats{Checks: 3},
				Findings: []*harness.Finding{{Kind: kind, Relation: "documents", Seed: 7}}}
		}
	}
	broken := &Row{Name: "broken", open: func(context.Context) (*properties.Env, []checker, func(), error) {
		return nil, nil, nil, errors.New("no server")
	}}
	if k := Run(ctx, broken, Options{}); k.Error == "" || k.Killed {
		t.Errorf("environment error: %+v", k)
	}
	errs := stub{"p", func(harness.RunOptions) *harness.Result {
		return &harness.Result{Property: "p", Relation: "documents", Err: errors.New("boom"), Verdict: harness.VerdictError}
	}}
	if k := Run(ctx, stubRow("m", errs), Options{}); k.Error == "" || k.Killed {
		t.Errorf("property error on a defect: %+v", k)
	}
	if k := Run(ctx, stubRow(Reference, errs), Options{}); k.Clean() {
		t.Errorf("property error on the reference reads clean: %+v", k)
	}
	blind := stub{"p", func(harness.RunOptions) *harness.Result {
		return &harness.Result{Property: "p", Relation: "documents", Verdict: harness.VerdictBlind, Reason: "never reached"}
	}}
	if k := Run(ctx, stubRow(Reference, blind), Options{}); k.Clean() || len(k.Blind) != 1 {
		t.Errorf("blind reference: %+v", k)
	}
	if k := Run(ctx, stubRow("m", stub{"p", finding("context-leak")}), Options{}); !k.Killed || k.AsExpected || !k.Replays {
		t.Errorf("finding of another kind: %+v", k)
	}
	if k := Run(ctx, stubRow("m", stub{"other", finding("cross-tenant-read")}), Options{}); !k.Killed || k.AsExpected {
		t.Errorf("finding by another property: %+v", k)
	}
	once := stub{"p", func(o harness.RunOptions) *harness.Result {
		if o.ExactSeed {
			return &harness.Result{Property: "p", Relation: "documents", Stats: harness.Stats{Checks: 1}, Verdict: harness.VerdictPass}
		}
		return finding("cross-tenant-read")(o)
	}}
	if k := Run(ctx, stubRow("m", once), Options{}); !k.Killed || !k.AsExpected || k.Replays || k.Checks != 3 {
		t.Errorf("kill that does not replay: %+v", k)
	}
	if k := Run(ctx, stubRow("m", stub{"p", finding("cross-tenant-read")}), Options{}); !k.Killed || !k.AsExpected || !k.Replays {
		t.Errorf("expected kill: %+v", k)
	}
}
