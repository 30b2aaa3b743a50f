package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// interrupt catches SIGINT and SIGTERM while the specs run, so that an
// interrupted run still writes an honest report: verdict INTERRUPTED, the
// real exit code (130, 143), the scenario cut short marked as such. Ginkgo
// sees the same signal and interrupts the running spec (its context is
// cancelled) and skips the rest. A second signal stops at once: the
// servers are stopped and the run databases dropped, no report is written.
// Before the specs start, harness/pg's own handler (clean up and exit)
// stays in charge: there is no evidence to keep yet.
type interrupt struct {
	ch     chan os.Signal
	stderr io.Writer
	// results counts the results recorded when the signal came: those
	// recorded later were cut short by it.
	results func() int

	mu   sync.Mutex
	sig  os.Signal
	done int // results recorded before the signal
}

// catchInterrupts takes SIGINT and SIGTERM over from harness/pg until
// stop is called; results counts the results recorded so far.
func catchInterrupts(stderr io.Writer, results func() int) *interrupt {
	in := &interrupt{ch: make(chan os.Signal, 3), stderr: stderr, results: results}
	signal.Notify(in.ch, syscall.SIGINT, syscall.SIGTERM)
	pg.SetSignalHandling(false)
	go in.wait()
	return in
}

func (in *interrupt) wait() {
	sig, ok := <-in.ch
	if !ok {
		return
	}
	in.mu.Lock()
	in.sig, in.done = sig, in.results()
	in.mu.Unlock()
	fmt.Fprintf(in.stderr, "tenantfuzz: caught %v: stopping after the current check and writing an INTERRUPTED report (signal again to stop at once)\n", signalName(sig))
	if _, ok := <-in.ch; !ok {
		return
	}
	fmt.Fprintf(in.stderr, "tenantfuzz: caught %v again: stopping PostgreSQL servers and dropping run databases, no report (signal again to skip)\n", signalName(sig))
	cleaned := make(chan struct{})
	go func() { pg.CleanupAll(); close(cleaned) }()
	select {
	case <-cleaned:
	case <-in.ch:
	}
	os.Exit(exitCodeOf(sig))
}

// signal returns the signal that interrupted the run (nil: none) and how
// many results were recorded before it.
func (in *interrupt) signal() (os.Signal, int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sig, in.done
}

// exitCodeOf is the shell's code for death by sig: 128 + its number.
func exitCodeOf(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitUsage
}

// signalName is SIGINT or SIGTERM ("" for none).
func signalName(sig os.Signal) string {
	switch sig {
	case nil:
		return ""
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return fmt.Sprint(sig)
}

// markInterrupted marks the results recorded from index done on (the
// scenario the signal cut short): what it found stays, as real findings;
// without a finding, its checks prove nothing and it says so.
func markInterrupted(results []*harness.Result, done int, sig os.Signal) {
	for _, r := range results[min(done, len(results)):] {
		if len(r.Findings) > 0 {
			continue
		}
		r.Verdict = harness.VerdictError
		r.Err = fmt.Errorf("interrupted by %s after %d checks: a scenario cut short proves nothing", signalName(sig), r.Checks)
	}
}

// interruptedDir is where an interrupted run writes its reports: beside a
// complete report already in dir (never over it), else dir itself.
func interruptedDir(dir string) string {
	path := filepath.Join(dir, "report.json")
	if _, err := os.Stat(path); err != nil {
		return dir
	}
	if prev, err := reports.Load(path); err == nil && prev.Run.Interrupted {
		return dir // an interrupted report gives way to the next
	}
	return filepath.Join(dir, "interrupted")
}
