package scenarios

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// The tree: one Describe per property of the registry (SQL, vector,
// routing alike), one It per subject it has on this run's target. Spec
// names are "<property> <subject>": stable across runs, no seeds. A
// subject the property does not apply to still gets its spec, skipped
// with the reason (JUnit <skipped>), and its result.
var _ = Describe("isolation", func() {
	s := current
	if s == nil {
		return // imported without a suite: nothing to build
	}
	env := s.env()
	for _, p := range properties.All {
		if !s.selected(p.Name) || !p.On(s.Options) {
			continue
		}
		args := []any{Label(p.Labels...)}
		if p.HasSetup() {
			// Set up once for all subjects (a large world loaded), undone
			// after the last; a finding on one subject does not skip the
			// others.
			args = append(args, Ordered, ContinueOnFailure)
		}
		if p.Serial {
			args = append(args, Serial)
		}
		Describe(p.Name, append(args, func() {
			setupErr := func() error { return nil }
			if p.HasSetup() && !s.parallel() { // in parallel, the worker sets up (parallel.go)
				setupErr = setupOnce(s, env, p)
			}
			for _, subj := range p.Subjects(env) {
				if (s.Relation != "" && s.Relation != subj.Name) || !s.mine() {
					continue
				}
				s.pending++
				if s.parallel() {
					s.plan(p, subj)
					It(subj.Name, func(ctx SpecContext) { checked(ctx, s, p, subj) })
					continue
				}
				It(subj.Name, func(ctx SpecContext) {
					if err := setupErr(); err != nil {
						s.record(&harness.Result{Property: p.Name, Relation: subj.Name, Err: err, Verdict: harness.VerdictError})
						Fail(fmt.Sprintf("set up %s: %v", p.Name, err))
					}
					checkProperty(ctx, s, env, p, subj)
				})
			}
		})...)
	}
})

// setupOnce runs the property's setup before its first selected spec and
// its teardown after the last (Ginkgo runs neither when the filters
// select none of its specs). It returns the setup's error, which each
// spec reports as its own (so the report counts it).
func setupOnce(s *Suite, env *properties.Env, p *properties.Property) func() error {
	var teardown func(context.Context) error
	var setupErr error
	BeforeAll(func(ctx SpecContext) {
		teardown, setupErr = p.Prepare(ctx, env, s.Options)
		if w := s.Target.LargeWorld(); w != nil {
			s.setLarge(w)
		}
	})
	AfterAll(func() {
		if teardown != nil {
			Expect(teardown(context.Background())).To(Succeed(), "tear down %s", p.Name)
		}
	})
	return func() error { return setupErr }
}

// checkProperty runs one property on one subject and records its result;
// the spec's outcome follows its verdict (verdictOf).
func checkProperty(ctx SpecContext, s *Suite, env *properties.Env, p *properties.Property, subj properties.Subject) {
	opts := s.Options
	opts.Deadline = s.specDeadline()
	res := p.Run(ctx, env, subj, opts)
	s.record(res)
	AddReportEntry("result", fmt.Sprintf("checks=%d statements=%d rows=%d reached_foreign=%d own=%d", res.Checks, res.Statements, res.Rows, res.Reached, res.Own), ReportEntryVisibilityFailureOrVerbose)
	verdictOf(res)
}

// checked records the result a worker reached for the spec (parallel.go)
// and gives the spec its outcome, as checkProperty does.
func checked(ctx context.Context, s *Suite, p *properties.Property, subj properties.Subject) {
	res := s.result(ctx, p, subj)
	if res == nil {
		Fail(fmt.Sprintf("%s %s: no worker ran this spec (a filter the parallel gate does not read: run with --parallel 1)", p.Name, subj.Name))
	}
	s.record(res)
	if s.Options.Progress != nil {
		s.Options.Progress(p.Name, subj.Name, -1) // finished, its result recorded
	}
	AddReportEntry("result", fmt.Sprintf("checks=%d statements=%d rows=%d reached_foreign=%d own=%d", res.Checks, res.Statements, res.Rows, res.Reached, res.Own), ReportEntryVisibilityFailureOrVerbose)
	verdictOf(res)
}

// verdictOf turns a scenario's verdict into the spec's outcome: a leak and
// a blind scenario fail it, an error fails it as an error, a property that
// does not apply skips it with the reason (JUnit <skipped>).
func verdictOf(res *harness.Result) {
	switch res.Verdict {
	case harness.VerdictNotApplicable:
		Skip("not applicable: " + res.Reason)
	case harness.VerdictBlind:
		Fail("blind: " + res.Reason)
	}
	Expect(res.Err).NotTo(HaveOccurred(), "the property could not be checked")
	if len(res.Findings) > 0 {
		var msgs []string
		for _, f := range res.Findings {
			msgs = append(msgs, f.String())
		}
		Fail(strings.Join(msgs, "\n"))
	}
}

// The JUnit report: names are "<property> <relation>" without labels or
// node types, so CI systems track them across runs.
var _ = ReportAfterSuite("junit", func(r Report) {
	if current == nil || current.JUnitPath == "" {
		return
	}
	err := reporters.GenerateJUnitReportWithConfig(r, current.JUnitPath, reporters.JunitReportConfig{
		OmitLeafNodeType: true, OmitSpecLabels: true, OmitTimelinesForSpecState: 0, OmitSuiteSetupNodes: true,
	})
	Expect(err).NotTo(HaveOccurred())
})
