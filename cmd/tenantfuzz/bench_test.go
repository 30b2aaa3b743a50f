package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCommand: bad rows are a usage error; `bench --quick` (what
// make test runs so that the bench cannot rot unseen) measures every row
// and writes every section of bench.json. Nothing about speed is asserted.
func TestBenchCommand(t *testing.T) {
	if r := cli(t, nil, "bench", "--items", "7"); r.code != 2 || !strings.Contains(r.stderr, "row number") {
		t.Errorf("bench --items 7: exit %d, stderr %q", r.code, r.stderr)
	}
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	r := cli(t, nil, "bench", "--quick")
	if r.code != 0 {
		t.Fatalf("bench --quick: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, row := range []string{"1  read checks", "2  small-world checks/s, read-isolation", "fail-closed", "write-isolation",
		"3  start-up", "4  bulk seeding", "5  time to detect", "6  peak RSS"} {
		if !strings.Contains(r.stdout, row) {
			t.Errorf("table lacks %q:\n%s", row, r.stdout)
		}
	}
	for _, bad := range []string{"not measured", "NaN", "side-channel"} { // side-channel applies to no reference table
		if strings.Contains(r.stdout, bad) {
			t.Errorf("table shows %q:\n%s", bad, r.stdout)
		}
	}
	raw, err := os.ReadFile(filepath.Join(r.dir, "bench.json"))
	var rep map[string]json.RawMessage
	if err != nil || json.Unmarshal(raw, &rep) != nil {
		t.Fatalf("bench.json = %s (%v)", raw, err)
	}
	for _, k := range []string{"read_checks", "small_worlds", "startup", "bulk_seeding", "time_to_detect"} {
		if len(rep[k]) == 0 || string(rep[k]) == "null" {
			t.Errorf("bench.json lacks %s", k)
		}
	}
}
