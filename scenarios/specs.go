package scenarios

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// The tree: one Describe per property, one It per relation it applies to.
// Spec names are "<property> <relation>": stable across runs, no seeds.
var _ = Describe("isolation", func() {
	s := current
	if s == nil {
		return // imported without a suite: nothing to build
	}
	for _, p := range harness.Properties {
		if (s.Property != "" && s.Property != p.Name) || !p.On(s.Options) {
			continue
		}
		args := []any{Label(p.Labels...)}
		if p.Setup != nil {
			// Set up once for all subjects (a large world loaded), undone
			// after the last; a finding on one subject does not skip the
			// others.
			args = append(args, Ordered, ContinueOnFailure)
		}
		Describe(p.Name, append(args, func() {
			setupErr := func() error { return nil }
			if p.Setup != nil {
				setupErr = setupOnce(s, p)
			}
			for _, subj := range p.Subjects(s.Target) {
				if (s.Relation != "" && s.Relation != subj.Name) || !s.mine() {
					continue
				}
				s.pending++
				It(subj.Name, func(ctx SpecContext) {
					if err := setupErr(); err != nil {
						s.record(&harness.Result{Property: p.Name, Relation: subj.Name, Err: err})
						Fail(fmt.Sprintf("set up %s: %v", p.Name, err))
					}
					checkProperty(ctx, s, p, subj)
				})
			}
		})...)
	}
})

// setupOnce runs the property's setup before its first selected spec and
// its teardown after the last (Ginkgo runs neither when the filters
// select none of its specs). It returns the setup's error, which each
// spec reports as its own (so the report counts it).
func setupOnce(s *Suite, p *harness.Property) func() error {
	var teardown func(context.Context) error
	var setupErr error
	BeforeAll(func(ctx SpecContext) {
		teardown, setupErr = p.Prepare(ctx, s.Target, s.Options)
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

// checkProperty runs one property on one relation and turns its result
// into the spec's verdict: a finding fails it, and so does an error, which
// includes a tenant table whose probes never reached another tenant's rows
// (harness.ErrInconclusive).
func checkProperty(ctx SpecContext, s *Suite, p *harness.Property, subj harness.Subject) {
	opts := s.Options
	opts.Deadline = s.specDeadline()
	res := p.RunSubject(ctx, s.Target, subj, opts)
	s.record(res)
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
