package reports

import (
	"fmt"
	"sort"
)

// Merge combines the reports of the shards of one run (tenantfuzz run
// --shard i/n with the same seed, profile and target) into one: the
// scenarios and findings of all, the audit of the first, the longest
// time span, and everything derived recomputed. It refuses reports of
// different runs.
func Merge(reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("merge reports: no reports given")
	}
	first := reps[0]
	out := *first
	out.Scenarios = nil
	out.Findings = []Finding{}
	out.Run.Shard = ""
	seen := map[string]string{}
	for i, r := range reps {
		switch {
		case r.Run.Seed != first.Run.Seed:
			return nil, fmt.Errorf("merge reports: report %d has seed %d, the first %d: shards of one run share the seed", i+1, r.Run.Seed, first.Run.Seed)
		case r.Target.SHA256 != first.Target.SHA256:
			return nil, fmt.Errorf("merge reports: report %d tested another target (sha256 %.12s, the first %.12s)", i+1, r.Target.SHA256, first.Target.SHA256)
		case r.Run.Profile != first.Run.Profile:
			return nil, fmt.Errorf("merge reports: report %d used profile %s, the first %s", i+1, r.Run.Profile, first.Run.Profile)
		}
		for _, s := range r.Scenarios {
			if prev, dup := seen[s.Name]; dup {
				return nil, fmt.Errorf("merge reports: scenario %q is in %s and in report %d: the shards overlap", s.Name, prev, i+1)
			}
			seen[s.Name] = fmt.Sprintf("report %d", i+1)
			out.Scenarios = append(out.Scenarios, s)
		}
		out.Findings = append(out.Findings, r.Findings...)
		if r.Run.Started.Before(out.Run.Started) {
			out.Run.Started = r.Run.Started
		}
		if r.Run.Finished.After(out.Run.Finished) {
			out.Run.Finished = r.Run.Finished
		}
		if r.Run.ExitCode > out.Run.ExitCode {
			out.Run.ExitCode = r.Run.ExitCode
		}
		if out.Mutants == nil {
			out.Mutants = r.Mutants
		}
		out.Run.Settings = withLoadedWorld(out.Run.Settings, r.Run.Settings)
	}
	sort.SliceStable(out.Scenarios, func(i, j int) bool { return out.Scenarios[i].Name < out.Scenarios[j].Name })
	out.Run.Seconds = out.Run.Finished.Sub(out.Run.Started).Seconds()
	out.Findings = group(out.Findings, nil)
	out.derive()
	return &out, nil
}

// withLoadedWorld returns the settings a, with the load figures of b's
// large world when only b's shard loaded it (a shard whose specs hold no
// large-world spec loads nothing). a is not modified.
func withLoadedWorld(a, b *Settings) *Settings {
	if a == nil || b == nil || a.LargeWorld == nil || b.LargeWorld == nil || a.LargeWorld.RowsLoaded > 0 || b.LargeWorld.RowsLoaded == 0 {
		return a
	}
	c, l := *a, *a.LargeWorld
	l.RowsLoaded, l.LoadSeconds = b.LargeWorld.RowsLoaded, b.LargeWorld.LoadSeconds
	c.LargeWorld = &l
	return &c
}
