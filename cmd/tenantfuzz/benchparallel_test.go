package main_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"testing"
)

// TestBenchParallelMeasuresEveryRow: bench-parallel prints a measured row
// (checks, a rate, CPU) for every worker count it is given. It asserts the
// bench runs, not that it is fast.
func TestBenchParallelMeasuresEveryRow(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "bench-parallel", "--checks", "3", "--workers", "1,2")
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
	}
	for _, n := range []string{"1", "2"} {
		row := regexp.MustCompile(`(?m)^\s+` + n + `\s+[1-9]\d*\s+[\d.]+\s+[\d.]+\s+[\d.]+x\s+[\d.]+\s+[\d.]+\s+\d+%`)
		if !row.MatchString(out.String()) {
			t.Errorf("no measured row for %s workers:\n%s", n, out.String())
		}
	}
}
