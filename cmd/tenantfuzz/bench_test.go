package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCommand: bad rows are a usage error; a start-up-only run prints
// the six-row table and writes bench.json. Nothing about speed is asserted.
func TestBenchCommand(t *testing.T) {
	if r := cli(t, nil, "bench", "--items", "7"); r.code != 2 || !strings.Contains(r.stderr, "row number") {
		t.Errorf("bench --items 7: exit %d, stderr %q", r.code, r.stderr)
	}
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	r := cli(t, nil, "bench", "--quick", "--items", "3")
	if r.code != 0 {
		t.Fatalf("bench --quick --items 3: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, row := range []string{"1  read checks", "3  start-up", "6  peak RSS", "not measured"} {
		if !strings.Contains(r.stdout, row) {
			t.Errorf("table lacks %q:\n%s", row, r.stdout)
		}
	}
	raw, err := os.ReadFile(filepath.Join(r.dir, "bench.json"))
	var rep struct {
		Startup *struct {
			TemplateMs []float64 `json:"template_ms"`
		} `json:"startup"`
	}
	if err != nil || json.Unmarshal(raw, &rep) != nil || rep.Startup == nil || len(rep.Startup.TemplateMs) != 1 {
		t.Errorf("bench.json = %s (%v)", raw, err)
	}
}
