package main_test

import (
	"strings"
	"testing"
)

// TestTwoThousandChecks: the reference schema gives zero findings over at
// least 2,000 checks per SQL statement property (summed over its
// relations), with a discard rate under 10% for every statement kind.
func TestTwoThousandChecks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		property string
		checks   string
	}{{"read-isolation", "500"}, {"fail-closed", "500"}, {"write-isolation", "700"}} {
		r := cli(t, nil, "run", "--seed", "2026", "--vector", "none", "--property", c.property, "--checks", c.checks)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", c.property, r.code, r.stdout, r.stderr)
		}
		rep := readReport(t, r.dir)
		checks := 0
		kinds := map[string][2]int{}
		for _, s := range rep.Scenarios {
			checks += s.Checks
			for k, n := range s.ByKind {
				v := kinds[k]
				v[0] += n
				kinds[k] = v
			}
			for k, n := range s.DiscardedByKind {
				v := kinds[k]
				v[1] += n
				kinds[k] = v
			}
		}
		if checks < 2000 {
			t.Errorf("%s: %d checks, want at least 2000", c.property, checks)
		}
		for k, v := range kinds {
			if v[1]*10 > v[0]+v[1] {
				t.Errorf("%s: kind %s discarded %d of %d", c.property, k, v[1], v[0]+v[1])
			}
		}
		if !strings.Contains(r.stdout, "RESULT: PASS") {
			t.Errorf("%s: no PASS in summary", c.property)
		}
	}
}
