package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/tenantfuzz/tenantfuzz"
	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/properties"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// mutantsCmd runs the kill matrix: the reference schema and every seeded
// defect, each in its own process (rapid's settings are process-wide) on
// its own embedded server, several at a time.
func mutantsCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "run only this mutant (or \"reference\")")
	checks := fs.Int("checks", 60, "checks per property and subject")
	seed := fs.Uint64("seed", 1, "seed (the matrix is deterministic for a seed; vary it nightly)")
	jobs := fs.Int("jobs", runtime.NumCPU(), "mutants run at once")
	reportDir := fs.String("report-dir", "./tenantfuzz-report", "where mutants.json goes")
	worker := fs.Bool("worker", false, "internal: run one mutant and print its row as JSON")
	coverage := fs.Bool("coverage", false, "print, for each entry of docs/leaks.md, the seeded defects and audit checks that cover it (Markdown), and run nothing")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: tenantfuzz mutants [flags]\n\nRuns the gate against the reference schema and every seeded defect in fixtures/mutants and prints the kill matrix.\nExit 0 only when every mutant is killed as expected and the reference schema is clean.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	conciseUsage(fs, "mutants", args, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *coverage {
		table, err := leaksCoverage()
		if err != nil {
			fmt.Fprintf(stderr, "tenantfuzz mutants: %v\n", err)
			return exitUsage
		}
		fmt.Fprint(stdout, table)
		return exitOK
	}
	ms, err := mutant.Load(fixtures.Mutants())
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz mutants: %v\n", err)
		return exitUsage
	}
	rows := mutant.Rows(ms)
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.Name
	}
	if *only != "" {
		if mutant.FindRow(rows, *only) == nil {
			fmt.Fprintf(stderr, "tenantfuzz mutants: unknown mutant %q: the matrix's rows are %s\n", *only, strings.Join(names, ", "))
			return exitUsage
		}
		names = []string{*only}
	}
	if *worker {
		r := mutant.FindRow(rows, names[0]) // --only, or the first row (the SQL reference)
		if r.Layer == properties.SQL && !r.Reference() {
			m, _ := mutant.Find(ms, r.Name)
			r.ReplayBase = replayFor(m)
		}
		// A kill needs the finding's kind and relation, not the smallest
		// world: half a second of shrinking (2 s cost the matrix 40% of its
		// time, most rows' minimisation running out the clock); the replay
		// line re-minimises for whoever follows it.
		opts := mutant.Options{Run: harness.RunOptions{Checks: *checks, Seed: *seed, ShrinkTime: 500 * time.Millisecond, ReplayBase: "tenantfuzz replay"}}
		if err := json.NewEncoder(stdout).Encode(mutant.Run(context.Background(), r, opts)); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz mutants: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	kills := runWorkers(names, *jobs, []string{"--checks", strconv.Itoa(*checks), "--seed", strconv.FormatUint(*seed, 10)}, stderr)
	return printMatrix(kills, ms, *reportDir, stdout, stderr)
}

// referenceDigest is the digest of the schema the matrix's reference row
// tests, computed as a run's target sha256 (harness.Digest), so that a
// report cites the matrix only for a run of that schema; "" when the
// embedded schema cannot be read.
func referenceDigest() string {
	files, err := harness.ReferenceSchema()
	if err != nil {
		return ""
	}
	return harness.Digest(files)
}

// replayFor is the replay base of a mutant's findings.
func replayFor(m *mutant.Mutant) string {
	o := options{profile: "quick", appRole: "app_user", tenantColumn: "tenant_id", context: m.Context, contextSQL: m.ContextSQL,
		overlays:     stringList{filepath.Join("fixtures", "mutants", m.Overlay)},
		largeTenants: mutant.DefaultLarge.Tenants, largeRows: mutant.DefaultLarge.PerTenant}
	return o.replayBase()
}

// runWorkers runs one worker process per name, jobs at a time.
func runWorkers(names []string, jobs int, extra []string, stderr io.Writer) []mutant.Kill {
	if jobs < 1 {
		jobs = 1
	}
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	kills := make([]mutant.Kill, len(names))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(self, append([]string{"mutants", "--worker", "--only", name}, extra...)...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				kills[i] = mutant.Kill{Mutant: name, Error: fmt.Sprintf("worker: %v: %s", err, errb.String())}
				return
			}
			if err := json.Unmarshal(out.Bytes(), &kills[i]); err != nil {
				kills[i] = mutant.Kill{Mutant: name, Error: fmt.Sprintf("worker output: %v", err)}
			}
		}()
	}
	wg.Wait()
	return kills
}

// printMatrix prints the kill matrix, writes mutants.json, and returns the
// exit code: 0 only when the reference is clean and every mutant is killed
// as expected and replays.
func printMatrix(kills []mutant.Kill, ms []*mutant.Mutant, dir string, stdout, stderr io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "mutant\tleaks\tresult\tproperty\tkind\trelation\tchecks\tseconds\treplays")
	ok := true
	var times []float64
	for _, k := range kills {
		result := "KILLED"
		switch {
		case k.Error != "":
			result, ok = "ERROR", false
		case mutant.IsReference(k.Mutant) && k.Findings > 0:
			result, ok = fmt.Sprintf("NOT CLEAN (%d findings)", k.Findings), false
		case mutant.IsReference(k.Mutant) && !k.Clean():
			result, ok = fmt.Sprintf("NOT CLEAN (%d blind)", len(k.Blind)), false
		case mutant.IsReference(k.Mutant):
			result = "clean"
		case !k.Killed:
			result, ok = "SURVIVED", false
		case !k.AsExpected:
			result, ok = "killed, unexpectedly", false
		case !k.Replays:
			result, ok = "killed, no replay", false
		}
		if k.Killed {
			times = append(times, k.Seconds)
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\t%s\t%d\t%.2f\t%v\n", k.Mutant, k.Leaks, result, k.Property, k.Kind, k.Relation, k.Checks, k.Seconds, k.Replays)
	}
	tw.Flush()
	for _, k := range kills {
		if k.Error != "" {
			fmt.Fprintf(stdout, "\nERROR %s: %s\n", k.Mutant, k.Error)
		}
		if (mutant.IsReference(k.Mutant) && k.Findings > 0) || (k.Killed && !k.AsExpected) {
			fmt.Fprintf(stdout, "\n%s: %s\n  replay: %s\n", k.Mutant, k.Summary, k.Replay)
		}
		for _, b := range k.Blind {
			fmt.Fprintf(stdout, "\nBLIND %s: %s\n", k.Mutant, b)
		}
	}
	median := 0.0
	if len(times) > 0 {
		sort.Float64s(times)
		median = times[len(times)/2]
	}
	killed, total := 0, 0
	for _, k := range kills {
		if !mutant.IsReference(k.Mutant) {
			total++
		}
		if k.Killed && k.AsExpected {
			killed++
		}
	}
	fmt.Fprintf(stdout, "\n%d of %d mutants killed as expected; median time to first detection %.2fs\n", killed, total, median)
	if err := os.MkdirAll(dir, 0o755); err == nil {
		b, _ := json.MarshalIndent(reports.Matrix{Mutants: kills, MedianSeconds: median, Killed: killed, Total: total,
			ToolVersion: tenantfuzz.Version, SchemaSHA256: referenceDigest()}, "", "  ")
		path := filepath.Join(dir, "mutants.json")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz mutants: write %s: %v\n", path, err)
		} else {
			fmt.Fprintf(stdout, "matrix: %s\n", path)
		}
	}
	if ok {
		return exitOK
	}
	return exitFindings
}
