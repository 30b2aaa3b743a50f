package main_test

import (
	"encoding/json"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// TestSameSeedSameCounts: two runs with the same seed give identical
// counts in report.json, scenario by scenario, with one documented
// exception: pool-4's reached_foreign counts requests that landed on a
// backend another tenant used before, and with four connections under
// concurrency which backend serves a request is the scheduler's choice
// (docs/evidence.md). pool-1, every other scenario and every other
// count of pool-4 must match. The second exception is a statement the
// server's statement_timeout cancelled (SQLSTATE 57014, discarded and
// shown in discard_examples): how long a statement takes depends on the
// machine's load, not the seed; a scenario with one is logged, not
// compared.
func TestSameSeedSameCounts(t *testing.T) {
	t.Parallel()
	// A seed whose run passes at 4 checks: at so few checks some seeds
	// leave a scenario blind (so on main too), and a change to the world
	// generator redraws every world of a seed (shared content moved it
	// from ...177, now blind on fail-closed document_chunks).
	args := []string{"run", "--seed", "4864488554231604180", "--checks", "4", "--level3=false", "--quiet"}
	a, b := cli(t, nil, args...), cli(t, nil, args...)
	if a.code != 0 || b.code != 0 {
		t.Fatalf("exit %d and %d, want 0\n%s\n%s\n%s", a.code, b.code, a.stdout, a.stderr, b.stderr)
	}
	ra, rb := readReport(t, a.dir), readReport(t, b.dir)
	if len(ra.Scenarios) != len(rb.Scenarios) || ra.Totals.Checks != rb.Totals.Checks {
		t.Fatalf("%d scenarios, %d checks, then %d, %d", len(ra.Scenarios), ra.Totals.Checks, len(rb.Scenarios), rb.Totals.Checks)
	}
	counts := func(name string, s harness.Stats) string {
		if name == "pool-isolation pool-4" {
			s.Reached = 0 // the one count the scheduler decides
		}
		j, _ := json.Marshal(s)
		return string(j)
	}
	for i, sa := range ra.Scenarios {
		sb := rb.Scenarios[i]
		if sa.Name != sb.Name || sa.Seed != sb.Seed || sa.Verdict != sb.Verdict {
			t.Errorf("scenario %d: %s seed %d %s, then %s seed %d %s", i, sa.Name, sa.Seed, sa.Verdict, sb.Name, sb.Seed, sb.Verdict)
			continue
		}
		if timedOut(sa.Stats) || timedOut(sb.Stats) {
			t.Logf("%s: a statement timed out under load in one run; counts not compared", sa.Name)
			continue
		}
		if ca, cb := counts(sa.Name, sa.Stats), counts(sb.Name, sb.Stats); ca != cb {
			t.Errorf("%s: counts differ between two runs of one seed:\n%s\n%s", sa.Name, ca, cb)
		}
	}
}

// timedOut reports whether a scenario discarded a statement the server's
// statement_timeout cancelled (harness.Stats counts every such discard).
func timedOut(s harness.Stats) bool { return s.TimedOut > 0 }
