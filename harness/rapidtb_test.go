package harness

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestRapidConcurrentRunsMatchAlone: rapid runs started together (the
// workers of a parallel gate) each draw exactly what they draw alone, run
// their own number of checks, and a failure shrinks to the same seed.
func TestRapidConcurrentRunsMatchAlone(t *testing.T) {
	type outcome struct {
		draws    string
		failed   bool
		failSeed uint64
	}
	run := func(i int) outcome {
		var mu sync.Mutex
		var draws []string
		failing := i%3 == 0
		failed, seed, _ := runRapid(fmt.Sprint("p", i), uint64(1000+i), 10+i, time.Second, func(rt *rapid.T) {
			n := rapid.IntRange(0, 1000).Draw(rt, "n")
			time.Sleep(time.Millisecond) // let the runs interleave
			mu.Lock()
			draws = append(draws, fmt.Sprint(n))
			mu.Unlock()
			if failing && n > 20 {
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
	for i := range alone {
		if alone[i] != together[i] {
			t.Errorf("run %d: alone %+v, together %+v", i, alone[i], together[i])
		}
		if i%3 == 0 && !alone[i].failed || i%3 != 0 && alone[i].failed {
			t.Errorf("run %d: failed=%v", i, alone[i].failed)
		}
	}
}
