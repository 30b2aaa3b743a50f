package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/bench"
)

// benchCmd runs the benchmarks of harness/bench, prints their table and
// writes bench.json. Missed targets are reported, not an error: the exit
// code is 0 unless the benchmarks could not run.
func benchCmd(args []string, stdout, stderr io.Writer) int {
	o, dir, profile, err := parseBenchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			fmt.Fprintf(stderr, "tenantfuzz bench: create cpu profile: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz bench: start cpu profile: %v\n", err)
			return exitUsage
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o.Dir = dir
	o.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	start := time.Now()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz bench: %v\n", err)
		return exitUsage
	}
	rep.Seconds = time.Since(start).Seconds()
	server := rep.Server
	if server == "" {
		server = "embedded PostgreSQL"
	}
	fmt.Fprintf(stdout, "tenantfuzz bench: %s, %d CPUs, %s, medians of %d interleaved rounds\n\n", server, rep.CPUs, rep.GoVersion, rep.Options.Rounds)
	rep.Table(stdout)
	path := filepath.Join(dir, "bench.json")
	if err := rep.WriteJSON(path); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz bench: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "\nreport: %s (%.0fs)\n", path, rep.Seconds)
	return exitOK
}

// parseBenchFlags reads bench's flags into options, the report directory
// and the CPU profile path.
func parseBenchFlags(args []string, stderr io.Writer) (bench.Options, string, string, error) {
	var o bench.Options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("report-dir", "./tenantfuzz-report", "where bench.json and the pgbench script go")
	items := fs.String("items", "1,2,3,4,5,6", "rows to measure, comma-separated (1 read checks, 2 small worlds, 3 start-up, 4 bulk seeding, 5 time to detect, 6 memory)")
	profile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	quick := fs.Bool("quick", false, "a run of seconds for smoke tests (flags given explicitly win): 200 tenants of 5 rows per table, pgbench scale 1, 3 rounds of 0.1s, 1-2 clients, 10 checks, 2 seeded defects with 1 seed")
	fs.IntVar(&o.Rounds, "rounds", 5, "interleaved rounds per comparison")
	fs.DurationVar(&o.RoundTime, "round-time", time.Second, "how long one side of a round runs, roughly")
	fs.IntVar(&o.Clients, "clients", 0, "largest client count of row 1, which measures 1, 2, 4 ... clients, the harness and pgbench alike (default: 4 per CPU, at most 16)")
	fs.IntVar(&o.Tenants, "tenants", 10000, "tenants of the large world")
	fs.IntVar(&o.PerTenant, "per-tenant", 33, "rows per tenant in each tenant table of the large world")
	fs.IntVar(&o.Scale, "scale", 10, "pgbench -i scale the large world is compared with")
	fs.IntVar(&o.SeedRounds, "seeds", 3, "seeds every seeded defect runs with")
	fs.IntVar(&o.DetectMutants, "mutants", 0, "row 5 runs only the first N seeded defects of the catalogue, half SQL and half vector (default: all)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated worlds and streams")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: tenantfuzz bench [flags]\n\nMeasures the harness against the database's own limits (pgbench on the same server, interleaved)\nand prints a table; bench.json holds the details.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	conciseUsage(fs, "bench", args, stderr)
	if err := fs.Parse(args); err != nil {
		return o, "", "", err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tenantfuzz bench: unexpected argument %q\n", fs.Arg(0))
		return o, "", "", errors.New("unexpected argument")
	}
	var err error
	if o.Items, err = parseItems(*items); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz bench: --items: %v\n", err)
		return o, "", "", err
	}
	if *quick {
		quickOptions(&o, fs)
	}
	return o, *dir, *profile, nil
}

// quickOptions sizes a --quick run (seconds: every row measured, no figure
// worth quoting), leaving alone the flags given explicitly.
func quickOptions(o *bench.Options, fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	quick := func(name string, apply func()) {
		if !set[name] {
			apply()
		}
	}
	quick("tenants", func() { o.Tenants = 200 })
	quick("per-tenant", func() { o.PerTenant = 5 })
	quick("scale", func() { o.Scale = 1 })
	quick("seeds", func() { o.SeedRounds = 1 })
	quick("mutants", func() { o.DetectMutants = 2 })
	quick("rounds", func() { o.Rounds = 3 }) // seeding alternates 3 rounds
	quick("round-time", func() { o.RoundTime = 100 * time.Millisecond })
	quick("clients", func() { o.Clients = 2 })
	o.StartRounds, o.StreamChecks, o.SmallChecks = 1, 10, 10
}

// parseItems reads a comma-separated list of row numbers 1-6.
func parseItems(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 6 {
			return nil, fmt.Errorf("%q is not a row number from 1 to 6", f)
		}
		out = append(out, n)
	}
	return out, nil
}
