package main_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"github.com/tenantfuzz/tenantfuzz/reports"
	"go.yaml.in/yaml/v3"
)

// expectation is a fixture's expect.yml: what `tenantfuzz run --schema
// <fixture>` must conclude, run by run (with the flags a user would pass;
// {fixture} in a flag is the fixture's directory, for its overlays).
type expectation struct {
	Runs []struct {
		Name  string   `yaml:"name"`
		Flags []string `yaml:"flags"`
		Exit  int      `yaml:"exit"`
		// Kinds is the exact set of finding kinds; Relations, when set,
		// the exact set of relations findings are on.
		Kinds     []string `yaml:"kinds"`
		Relations []string `yaml:"relations"`
		// MayKinds may appear besides Kinds: the same leak is reported by
		// the ownership or the differential oracle depending on the world
		// the time-bounded shrink ends at.
		MayKinds []string `yaml:"may_kinds"`
		// Output lists texts the summary must contain.
		Output []string `yaml:"output"`
	} `yaml:"runs"`
}

// TestRealWorldFixtures runs the gate on every schema of
// fixtures/realworld (written the way real projects write them, nobody
// here designed them to pass) and holds each run to its expect.yml: the
// exit code, the exact finding kinds (and relations), the texts the
// summary must show. A run that exits 0 or 1 has no scenario in error or
// blind: every scenario earned its verdict or says why it does not apply.
func TestRealWorldFixtures(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(testenv.Fixture("realworld/*/expect.yml"))
	if err != nil || len(dirs) < 5 {
		t.Fatalf("fixtures/realworld: %d expect.yml files (%v), want at least 5", len(dirs), err)
	}
	for _, file := range dirs {
		dir := filepath.Dir(file)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var exp expectation
		if err := yaml.Unmarshal(b, &exp); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, run := range exp.Runs {
			t.Run(filepath.Base(dir)+"/"+run.Name, func(t *testing.T) {
				t.Parallel()
				args := []string{"run", "--schema", dir, "--seed", "7", "--checks", "12", "--quiet"}
				for _, f := range run.Flags { // {fixture}: the fixture's directory (overlays)
					args = append(args, strings.ReplaceAll(f, "{fixture}", dir))
				}
				if filepath.Base(dir) != "directory-lookups" {
					// The vector store's own properties do not depend on
					// the schema: one fixture runs them (with
					// vector-sql-agreement not applicable), the others save
					// CI the time.
					args = append(args, "--vector", "none")
				}
				r := cli(t, nil, args...)
				out := r.stdout + r.stderr
				if r.code != run.Exit {
					t.Fatalf("exit %d, want %d\n%s", r.code, run.Exit, out)
				}
				for _, want := range run.Output {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
				rep := readReport(t, r.dir)
				kinds, rels := findingSets(rep)
				kinds = slices.DeleteFunc(kinds, func(k string) bool { return slices.Contains(run.MayKinds, k) && !slices.Contains(run.Kinds, k) })
				if !slices.Equal(kinds, sorted(run.Kinds)) {
					t.Errorf("finding kinds %v, want %v\n%s", kinds, sorted(run.Kinds), out)
				}
				if run.Relations != nil && !slices.Equal(rels, sorted(run.Relations)) {
					t.Errorf("findings on %v, want %v\n%s", rels, sorted(run.Relations), out)
				}
				if run.Exit == 2 {
					return
				}
				for _, s := range rep.Scenarios {
					switch s.Verdict {
					case "pass", "leak":
					case "not applicable":
						if s.Reason == "" {
							t.Errorf("%s: not applicable without a reason", s.Name)
						}
					default:
						t.Errorf("%s: verdict %s (%s%s)", s.Name, s.Verdict, s.Reason, s.Error)
					}
				}
			})
		}
	}
}

// findingSets returns the sorted distinct kinds and relations of a
// report's findings.
func findingSets(rep *reports.Report) (kinds, rels []string) {
	k, r := map[string]bool{}, map[string]bool{}
	for _, f := range rep.Findings {
		k[string(f.Kind)] = true
		r[f.Relation] = true
	}
	for x := range k {
		kinds = append(kinds, x)
	}
	for x := range r {
		rels = append(rels, x)
	}
	sort.Strings(kinds)
	sort.Strings(rels)
	return kinds, rels
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
