package main_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/reports"
)

// TestThousandChecks: the reference schema gives zero findings over at
// least 1,000 checks per SQL statement property (summed over its
// relations), with a discard rate under 10% for every statement kind.
func TestThousandChecks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		property string
		checks   string
	}{{"read-isolation", "250"}, {"fail-closed", "250"}, {"write-isolation", "350"}} {
		r := cli(t, nil, "run", "--seed", "2026", "--vector", "none", "--property", c.property, "--checks", c.checks, "--budget", "15m")
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
		if checks < 1000 {
			t.Errorf("%s: %d checks, want at least 1000", c.property, checks)
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

// TestShardsMerge: two shards of one seed together run the same checks as
// the unsharded run, and tenantfuzz report --merge makes one report of them.
func TestShardsMerge(t *testing.T) {
	t.Parallel()
	common := []string{"run", "--seed", "77", "--checks", "8", "--vector", "none", "--level3=false", "--budget", "20m", // counts, not speed
		"--large-tenants", "300", "--large-rows", "2", "--large-checks", "6"} // each shard loads its own large world
	whole := cli(t, nil, common...)
	s0 := cli(t, nil, append(common, "--shard", "0/2")...)
	s1 := cli(t, nil, append(common, "--shard", "1/2")...)
	for _, r := range []result{whole, s0, s1} {
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	out := filepath.Join(t.TempDir(), "merged.json")
	if b, err := exec.Command(binary, "report", "--merge", "--format", "json", "--output", out,
		filepath.Join(s0.dir, "report.json"), filepath.Join(s1.dir, "report.json")).CombinedOutput(); err != nil {
		t.Fatalf("merge: %v\n%s", err, b)
	}
	if _, err := reports.Load(out); err != nil {
		t.Fatalf("merged report: %v", err)
	}
	a, b := readReport(t, s0.dir), readReport(t, s1.dir)
	m, err := reports.Merge([]*reports.Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	w := readReport(t, whole.dir)
	want := map[string]int{}
	for _, s := range w.Scenarios {
		want[s.Name] = s.Checks
	}
	if len(a.Scenarios) == 0 || len(b.Scenarios) == 0 || len(m.Scenarios) != len(w.Scenarios) {
		t.Fatalf("shards %d + %d scenarios, merged %d, whole %d", len(a.Scenarios), len(b.Scenarios), len(m.Scenarios), len(w.Scenarios))
	}
	if l := m.Run.Settings.LargeWorld; l == nil || l.Tenants != 300 || l.RowsLoaded == 0 {
		t.Errorf("merged large world: %+v", l)
	}
	for _, s := range m.Scenarios {
		if want[s.Name] != s.Checks {
			t.Errorf("%s: %d checks in the shards, %d unsharded", s.Name, s.Checks, want[s.Name])
		}
	}
	if _, err := reports.Merge([]*reports.Report{a, a}); err == nil {
		t.Error("merging a shard with itself was accepted")
	}
}
