package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// benchParallelCmd measures the parallel gate: the same gate (profile,
// seed, checks) at 1, 2 and N workers, each a fresh `tenantfuzz run` in a
// child process (Ginkgo runs one suite per process), and prints checks per
// second of wall time, the speed-up over one worker, and what the harness
// (the child's own CPU) and the server (the CPU of the child's reaped
// descendants: the embedded PostgreSQL) each took.
//
// Limits: the wall time includes the server's start and the clones (about
// 2 s and 30 ms each), the same at every worker count; the harness CPU is
// sampled every 100 ms from /proc (Linux only; elsewhere it reads 0 and
// the server column holds both).
func benchParallelCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench-parallel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workers := fs.String("workers", "", "worker counts to measure, comma-separated (default 1,2,N with N the CPUs, at most 8)")
	checks := fs.Int("checks", 40, "checks per property and subject of each gate")
	profile := fs.String("profile", "quick", "gate profile")
	seed := fs.Uint64("seed", 20261206, "seed of every gate (the same checks at every worker count)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	counts, err := workerCounts(*workers)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz bench-parallel: %v\n", err)
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz bench-parallel: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "parallel gate: profile %s, %d checks per property and subject, seed %d, %d CPUs, vector fake, no level 3\n", *profile, *checks, *seed, runtime.NumCPU())
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workers\tchecks\twall s\tchecks/s\tvs 1 worker\tharness CPU s\tserver CPU s\tCPU used\t")
	base := 0.0
	for _, n := range counts {
		m, err := measureGate(self, *profile, *seed, *checks, n)
		if err != nil {
			tw.Flush()
			fmt.Fprintf(stderr, "tenantfuzz bench-parallel: %d workers: %v\n", n, err)
			return exitUsage
		}
		rate := float64(m.checks) / m.wall.Seconds()
		if base == 0 {
			base = rate
		}
		used := (m.harness + m.server).Seconds() / (m.wall.Seconds() * float64(runtime.NumCPU()))
		fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.1f\t%.2fx\t%.1f\t%.1f\t%.0f%%\t\n", n, m.checks, m.wall.Seconds(), rate, rate/base,
			m.harness.Seconds(), m.server.Seconds(), 100*used)
	}
	tw.Flush()
	return exitOK
}

// workerCounts reads --workers (default 1, 2, N).
func workerCounts(s string) ([]int, error) {
	if s == "" {
		n := min(runtime.NumCPU(), maxDefaultParallel)
		out := []int{1, 2}
		if n > 2 {
			out = append(out, n)
		}
		return out, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--workers %q: use counts of 1 or more, e.g. 1,2,4", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// gateRun is one measured gate.
type gateRun struct {
	checks          int
	wall            time.Duration
	harness, server time.Duration
}

// measureGate runs the gate at n workers in a child process.
func measureGate(self, profile string, seed uint64, checks, n int) (gateRun, error) {
	dir, err := os.MkdirTemp("", "tenantfuzz-bench-parallel-")
	if err != nil {
		return gateRun{}, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(self, "run", "--profile", profile, "--seed", strconv.FormatUint(seed, 10), "--checks", strconv.Itoa(checks),
		"--parallel", strconv.Itoa(n), "--budget", "2h", "--level3=false", "--vector", "fake", "--quiet", "--report-dir", dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return gateRun{}, err
	}
	var own time.Duration
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if c, ok := ownCPU(cmd.Process.Pid); ok {
					own = c
				}
			}
		}
	}()
	runErr := cmd.Wait()
	close(done)
	wall := time.Since(start)
	// A blind scenario (too few checks to see a tenant's own rows) still
	// ran its checks: only errors and missing reports spoil a measure.
	var rep struct {
		Totals struct {
			Checks int `json:"checks"`
			Errors int `json:"errors"`
		} `json:"totals"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err == nil {
		err = json.Unmarshal(b, &rep)
	}
	if err == nil && (rep.Totals.Errors > 0 || rep.Totals.Checks == 0) {
		err = fmt.Errorf("%d errors, %d checks", rep.Totals.Errors, rep.Totals.Checks)
	}
	if err != nil {
		return gateRun{}, fmt.Errorf("%v (exit: %v):\n%s", err, runErr, out.String())
	}
	total := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() // the child and its reaped descendants
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		total = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return gateRun{checks: rep.Totals.Checks, wall: wall, harness: own, server: max(total-own, 0)}, nil
}

// ownCPU is a process's own CPU time (not its children's), from
// /proc/<pid>/stat.
func ownCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return 0, false
	}
	u, _ := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond, true
}
