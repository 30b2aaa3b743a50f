package harness

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestRapidConcurrentRunsMatchAlone: rapid runs started together (the
// workers of a parallel gate) each draw exactly what they draw alone, run
// their own number of checks, and a failure is reported with the same
// seed (what rapid draws while shrinking depends on the time it is given).
func TestRapidConcurrentRunsMatchAlone(t *testing.T) {
	type outcome struct {
		draws    string
		failed   bool
		failSeed uint64
	}
	var inside, most atomic.Int32 // property bodies running at once
	run := func(i int) outcome {
		var mu sync.Mutex
		var draws []string
		shrinking := false // what rapid draws while shrinking depends on the time it is given
		failing := i%3 == 0
		failed, seed, _ := runRapid(fmt.Sprint("p", i), uint64(1000+i), 10+i, time.Second, func(rt *rapid.T) {
			n := rapid.IntRange(0, 1000).Draw(rt, "n")
			if k := inside.Add(1); k > most.Load() {
				most.Store(k)
			}
			time.Sleep(time.Millisecond) // let the runs interleave
			inside.Add(-1)
			mu.Lock()
			defer mu.Unlock()
			if !shrinking {
				draws = append(draws, fmt.Sprint(n))
			}
			if failing && n > 20 {
				shrinking = true
				rt.Fatalf("n=%d", n)
			}
		})
		return outcome{strings.Join(draws, ","), failed, seed}
	}
	const runs = 6
	alone := make([]outcome, runs)
	for i := range alone {
		alone[i] = run(i)
	}
	together := make([]outcome, runs)
	var wg sync.WaitGroup
	for i := range together {
		wg.Add(1)
		go func() { defer wg.Done(); together[i] = run(i) }()
	}
	wg.Wait()
	if most.Load() < 2 {
		t.Errorf("the runs never overlapped: rapid runs are still serialised")
	}
	for i := range alone {
		if alone[i] != together[i] {
			t.Errorf("run %d: alone %+v, together %+v", i, alone[i], together[i])
		}
		if i%3 == 0 && !alone[i].failed || i%3 != 0 && alone[i].failed {
			t.Errorf("run %d: failed=%v", i, alone[i].failed)
		}
	}
}
