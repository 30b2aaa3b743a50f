package isolation

import (
	"context"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// CheckOptions size a Check.
type CheckOptions struct {
	// Properties by name (read-isolation, fail-closed, write-isolation,
	// side-channel, hostile-ids, reachable-roles, plan-cache); nil means
	// read-isolation, fail-closed and write-isolation.
	Properties []string
	// Checks per property and subject (default 20); Seed the run seed
	// (default 1: the same findings on every run).
	Checks int
	Seed   uint64
}

// TB is the part of testing.TB Check uses (a Ginkgo GinkgoT() is one too).
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Check runs the properties on every subject of the target and reports
// each finding with t.Errorf: its summary, statement, evidence and the
// replay line (a `tenantfuzz replay` command; add the flags that stand up
// the same schema). It returns the findings.
func Check(t TB, tg *Target, o CheckOptions) []*harness.Finding {
	t.Helper()
	names := o.Properties
	if names == nil {
		names = defaultProperties
	}
	if o.Checks <= 0 {
		o.Checks = 20
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	var out []*harness.Finding
	for _, name := range names {
		p := harness.PropertyByName(name)
		if p == nil {
			t.Fatalf("isolation.Check: no property %q", name)
			return out
		}
		for _, subj := range p.Subjects(tg.Target) {
			res := p.RunSubject(context.Background(), tg.Target, subj, harness.RunOptions{Checks: o.Checks, Seed: o.Seed, ShrinkTime: 2 * time.Second, ReplayBase: tg.ReplayBase()})
			if res.Err != nil {
				t.Errorf("%s on %s: %v", name, subj.Name, res.Err)
				continue
			}
			for _, f := range res.Findings {
				t.Errorf("tenantfuzz: %s", strings.ReplaceAll(f.String(), "\n", "\n\t"))
				out = append(out, f)
			}
		}
	}
	return out
}

// defaultProperties are what Check and Specs run unless told.
var defaultProperties = []string{"read-isolation", "fail-closed", "write-isolation"}
