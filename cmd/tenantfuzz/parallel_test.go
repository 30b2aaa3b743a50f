package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// TestParallelMatchesSerial: the same seed on one worker and on two gives
// the same report, scenario for scenario and count for count, in the same
// order; only timings differ, and reached_foreign on a pool of more than
// one connection (which connection a borrow gets is the server's timing)
// only in magnitude. A scenario in which a statement hit the statement
// timeout in either run (a loaded machine) is logged, not compared.
func TestParallelMatchesSerial(t *testing.T) {
	t.Parallel()
	var runs [2]result
	var wg sync.WaitGroup
	for i, n := range []string{"1", "2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = cli(t, nil, "run", "--seed", "2026", "--checks", "6", "--budget", "20m", "--parallel", n, "--quiet")
		}()
	}
	wg.Wait()
	var scen [2][]map[string]any
	for i, r := range runs {
		if r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
		b, err := os.ReadFile(filepath.Join(r.dir, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Scenarios []map[string]any `json:"scenarios"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		scen[i] = rep.Scenarios
	}
	if !strings.Contains(runs[1].stdout, "2 workers") {
		t.Errorf("the --parallel 2 run does not say it has 2 workers:\n%s", runs[1].stdout)
	}
	if len(scen[0]) != len(scen[1]) || len(scen[0]) < 20 {
		t.Fatalf("%d scenarios serially, %d in parallel", len(scen[0]), len(scen[1]))
	}
	for i := range scen[0] {
		a, b := scen[0][i], scen[1][i]
		if a["timed_out"] != nil || b["timed_out"] != nil { // a statement the server's statement_timeout cancelled: the load, not the order
			t.Logf("%v: a statement timed out under load in one run; not compared", a["name"])
			continue
		}
		for _, m := range []map[string]any{a, b} {
			delete(m, "seconds")
			delete(m, "seconds_to_finding")
		}
		if strings.HasPrefix(a["name"].(string), "pool-isolation pool-") && a["name"] != "pool-isolation pool-1" {
			ra, rb := a["reached_foreign"].(float64), b["reached_foreign"].(float64)
			if (ra > 0) != (rb > 0) {
				t.Errorf("%s: reached_foreign %v serially, %v in parallel", a["name"], ra, rb)
			}
			delete(a, "reached_foreign")
			delete(b, "reached_foreign")
		}
		if !reflect.DeepEqual(a, b) {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			t.Errorf("scenario %d differs:\nserial:   %s\nparallel: %s", i, ja, jb)
		}
	}
}
