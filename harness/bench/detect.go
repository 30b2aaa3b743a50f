package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// detectChecks bounds the checks per property and subject, as the kill
// matrix does.
const detectChecks = 60

// DetectResult is row 5: checks and seconds of search until each seeded
// defect's first finding (shrinking excluded), over several seeds.
type DetectResult struct {
	Seeds   []uint64       `json:"seeds"`
	Mutants []DetectMutant `json:"mutants"`
	// Killed counts mutants found with every seed, of Total; AsExpected
	// those whose findings were also the expected ones and replayed.
	Killed     int `json:"killed"`
	AsExpected int `json:"as_expected"`
	Total      int `json:"total"`
	// MedianChecks and MedianSeconds are medians over the mutants of their
	// medians over the seeds; MaxSeconds is the slowest mutant's median.
	MedianChecks  float64 `json:"median_checks"`
	MedianSeconds float64 `json:"median_seconds"`
	MaxSeconds    float64 `json:"max_seconds"`
	MaxMutant     string  `json:"max_mutant"`
	// WallSeconds is the time the whole row took (servers, shrinking and
	// replays included).
	WallSeconds float64 `json:"wall_seconds"`
}

// DetectMutant is one mutant's runs, one per seed.
type DetectMutant struct {
	Name    string    `json:"mutant"`
	Checks  []int     `json:"checks"`
	Seconds []float64 `json:"seconds"`
	Killed  int       `json:"killed_seeds"`
	// AsExpected and Replays count the seeds whose finding was the one the
	// catalogue expects and came back from its seed.
	AsExpected    int      `json:"as_expected_seeds"`
	Replays       int      `json:"replayed_seeds"`
	MedianChecks  float64  `json:"median_checks"`
	MedianSeconds float64  `json:"median_seconds"`
	Errors        []string `json:"errors,omitempty"`
}

// detection runs every mutant of the catalogue (SQL and vector), in this
// process, once per seed.
func detection(ctx context.Context, o Options) (*DetectResult, error) {
	ms, err := mutant.Load(fixtures.Mutants())
	if err != nil {
		return nil, err
	}
	type runner struct {
		name string
		run  func(seed uint64) mutant.Kill
	}
	var sql, vec []runner
	for _, m := range ms {
		sql = append(sql, runner{m.Name, func(seed uint64) mutant.Kill { return mutant.Run(ctx, mutant.SQLRow(m), detectOptions(seed)) }})
	}
	for _, m := range vector.Mutants {
		vec = append(vec, runner{mutant.VectorPrefix + m.Name, func(seed uint64) mutant.Kill { return mutant.Run(ctx, mutant.VectorRow(m), detectOptions(seed)) }})
	}
	if n := o.DetectMutants; n > 0 { // the first of each kind, half and half
		nv := min(n/2, len(vec))
		sql, vec = sql[:min(n-nv, len(sql))], vec[:nv]
	}
	runners := append(sql, vec...)
	start := time.Now()
	res := &DetectResult{Total: len(runners)}
	for s := 1; s <= o.SeedRounds; s++ {
		res.Seeds = append(res.Seeds, o.Seed+uint64(s-1))
	}
	for _, r := range runners {
		dm := DetectMutant{Name: r.name}
		for _, seed := range res.Seeds {
			k := r.run(seed)
			switch {
			case k.Error != "":
				dm.Errors = append(dm.Errors, fmt.Sprintf("seed %d: %s", seed, k.Error))
			case k.Killed:
				dm.Killed++
				if k.AsExpected {
					dm.AsExpected++
				}
				if k.Replays {
					dm.Replays++
				}
				dm.Checks = append(dm.Checks, k.Checks)
				dm.Seconds = append(dm.Seconds, k.Seconds)
			}
		}
		checks := make([]float64, len(dm.Checks))
		for i, c := range dm.Checks {
			checks[i] = float64(c)
		}
		dm.MedianChecks, dm.MedianSeconds = median(checks), median(dm.Seconds)
		o.logf("bench: detect %s: killed %d/%d (as expected %d, replayed %d), median %.0f checks, %.3fs", dm.Name, dm.Killed, len(res.Seeds), dm.AsExpected, dm.Replays, dm.MedianChecks, dm.MedianSeconds)
		res.Mutants = append(res.Mutants, dm)
	}
	var checks, secs []float64
	for _, dm := range res.Mutants {
		if dm.Killed == len(res.Seeds) {
			res.Killed++
		}
		if dm.AsExpected == len(res.Seeds) && dm.Replays == len(res.Seeds) {
			res.AsExpected++
		}
		if dm.Killed == 0 {
			continue
		}
		checks = append(checks, dm.MedianChecks)
		secs = append(secs, dm.MedianSeconds)
		if dm.MedianSeconds > res.MaxSeconds {
			res.MaxSeconds, res.MaxMutant = dm.MedianSeconds, dm.Name
		}
	}
	res.MedianChecks, res.MedianSeconds = median(checks), median(secs)
	res.WallSeconds = time.Since(start).Seconds()
	return res, nil
}

// detectOptions are the kill matrix's run options with a given seed and a
// short shrink (only the search before the first finding is timed).
func detectOptions(seed uint64) mutant.Options {
	return mutant.Options{Run: harness.RunOptions{Checks: detectChecks, Seed: seed, ShrinkTime: 500 * time.Millisecond, ReplayBase: "tenantfuzz replay"}}
}
