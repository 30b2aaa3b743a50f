package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// apiDefaultChecks is the number of checks of a run without --checks.
const apiDefaultChecks = 50

// apiCmd runs the api-isolation property (harness/api) against the
// reference JWT service, or one of its seeded defects (--mutant), served
// on loopback over a fresh embedded PostgreSQL with the reference schema.
// With --property and --relation (the replay line a finding prints) it
// re-runs that one check from its seed. Exit 0 clean, 1 findings, 2 usage
// or setup error, or a blind run. The run's signing key is generated per
// run and never printed; neither is any token signed with it.
func apiCmd(args []string, stdout, stderr io.Writer) int {
	if code, ok := apiExternal(args, stdout, stderr); ok {
		return code // --url, serve, token: apiurl.go
	}
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.Var(seedFlag{&o}, "seed", "seed of the run (default: random, printed); the same seed replays the same run")
	checks := fs.Int("checks", 0, fmt.Sprintf("checks (worlds), 1 to 1,000,000 (default %d; a replay runs 1)", apiDefaultChecks))
	mutantName := fs.String("mutant", "", "run against this seeded service defect instead of the reference service (--list-mutants lists them)")
	listMutants := fs.Bool("list-mutants", false, "list the service mutants and exit")
	reportDir := fs.String("report-dir", "", "write api-report.json and one repro-api-N.sh (curl) per finding into `DIR` (default: none)")
	property := fs.String("property", "", "replay: the property of the replay line (api-isolation)")
	relation := fs.String("relation", "", "replay: the subject of the replay line (service); with --seed, re-runs that one check")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  tenantfuzz api [--seed N] [--checks N] [--mutant NAME] [--report-dir DIR]
  tenantfuzz api [--mutant NAME] --property api-isolation --relation service --seed N   (a finding's replay line)
  tenantfuzz api --url URL ...   (your own service: see tenantfuzz api --url --help)

Starts an embedded PostgreSQL with the reference schema and the reference JWT service (or the
named service mutant) on loopback, and checks the api-isolation property: random tenants send
random requests with valid and hostile tokens; every response must hold only the caller's
values, and a hostile token or Host must be refused (see docs/api.md). The signing keys (HS256, RS256) are generated per
run and never printed. Exit codes: 0 clean, 1 findings, 2 usage or setup error, or a blind run.

Flags:
`)
		fs.PrintDefaults()
	}
	conciseUsage(fs, "api", args, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tenantfuzz api: "+format+": see tenantfuzz api --help\n", a...)
		return exitUsage
	}
	if *listMutants {
		for _, m := range api.Mutants {
			fmt.Fprintf(stdout, "%-24s %s\n", m.Name, m.Doc)
		}
		return exitOK
	}
	replay := *property != "" || *relation != ""
	var m *api.Mutant
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q (flags start with --)", fs.Arg(0))
	case checkChecks(fs, *checks) != nil:
		return fail("%v", checkChecks(fs, *checks))
	case replay && (*property != api.APIIsolation.Name || *relation != api.Subject || !o.seedSet):
		return fail("a replay needs --property %s --relation %s --seed N, as the replay line prints them", api.APIIsolation.Name, api.Subject)
	case replay && *checks != 0:
		return fail("a replay runs the one check of its seed: drop --checks")
	case *mutantName != "":
		if m = api.MutantByName(*mutantName); m == nil {
			names := make([]string, len(api.Mutants))
			for i, mu := range api.Mutants {
				names[i] = mu.Name
			}
			return fail("unknown --mutant %q (one of %s)", *mutantName, strings.Join(names, ", "))
		}
	}
	if *reportDir != "" {
		if err := checkWritable("--report-dir", *reportDir); err != nil {
			return fail("%v", err)
		}
	}
	if !o.seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.seed = binary.LittleEndian.Uint64(b[:])>>1 | 1
	}
	opts := harness.RunOptions{Checks: *checks, Seed: o.seed, ShrinkTime: 2 * time.Second, ReplayBase: apiReplayBase(m)}
	if opts.Checks == 0 {
		opts.Checks = apiDefaultChecks
	}
	if replay {
		opts.ExactSeed, opts.Checks = true, 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := api.NewEnv(ctx, nil)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz api: %v\n", err)
		return exitUsage
	}
	defer env.Close()
	if m != nil {
		env = env.WithMutant(m) // shares the pools: the deferred Close is the original's
	}
	res := api.APIIsolation.Run(ctx, env, opts)
	writeAPISummary(stdout, res, m, o.seed, replay)
	if *reportDir != "" {
		if err := writeAPIReports(*reportDir, res); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz api: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "reports: api-report.json in %s\n", *reportDir)
	}
	switch res.Verdict {
	case harness.VerdictPass:
		return exitOK
	case harness.VerdictLeak:
		return exitFindings
	}
	return exitUsage // error or blind: the run proved nothing
}

// apiReplayBase is what a finding's replay line starts with; the harness
// appends --property, --relation and --seed.
func apiReplayBase(m *api.Mutant) string {
	if m == nil {
		return "tenantfuzz api"
	}
	return "tenantfuzz api --mutant " + harness.ShellQuote(m.Name)
}

// writeAPISummary prints the run's counts, verdict and findings, each with
// its curl reproduction and replay line. Finding scripts show tokens
// signed with the run's key as $TOKEN, never literally.
func writeAPISummary(w io.Writer, res *harness.Result, m *api.Mutant, seed uint64, replay bool) {
	service := "the reference service"
	if m != nil {
		service = "service mutant " + m.Name
	}
	writeAPIResult(w, res, service, "the service listened on this run's ephemeral loopback port; $TOKEN is a token the run's key signed, never printed", seed, replay)
}

// writeAPIResult prints an api-isolation result on service: counts,
// verdict, and each finding with its evidence, its curl lines (reproduce
// says how to read them) and its replay line. tenantfuzz api --url prints
// its results with it too.
func writeAPIResult(w io.Writer, res *harness.Result, service, reproduce string, seed uint64, replay bool) {
	what := fmt.Sprintf("seed %d", seed)
	if replay {
		what = fmt.Sprintf("replay of seed %d", seed)
	}
	fmt.Fprintf(w, "tenantfuzz api: %s on %s (%s)\n", res.Property, service, what)
	fmt.Fprintf(w, "checks %d, requests %d (%d could reach another tenant), findings %d, %.1fs: %s\n",
		res.Checks, res.Statements, res.Reached, len(res.Findings), res.Seconds, res.Verdict)
	if res.Reason != "" {
		fmt.Fprintf(w, "  %s\n", res.Reason)
	}
	if res.Err != nil && res.Verdict != harness.VerdictBlind {
		fmt.Fprintf(w, "  error: %v\n", res.Err)
	}
	for i, f := range res.Findings {
		fmt.Fprintf(w, "\nFINDING %d: %s\n", i+1, f.Summary())
		for _, e := range f.Evidence[min(1, len(f.Evidence)):] {
			fmt.Fprintf(w, "  %s\n", e)
		}
		fmt.Fprintf(w, "  reproduce (%s):\n", reproduce)
		for _, l := range strings.Split(f.Script, "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
		fmt.Fprintf(w, "  replay: %s\n", f.Replay)
	}
}

// writeAPIReports writes the result as api-report.json and each finding's
// curl reproduction as repro-api-N.sh.
func writeAPIReports(dir string, res *harness.Result) error {
	doc := struct {
		*harness.Result
		Verdict harness.Verdict `json:"verdict"`
		Error   string          `json:"error,omitempty"`
	}{Result: res, Verdict: res.Verdict}
	if res.Err != nil {
		doc.Error = res.Err.Error()
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode api-report.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api-report.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write api-report.json: %w (check --report-dir)", err)
	}
	for i, f := range res.Findings {
		s := "#!/bin/sh\n# " + f.Summary() + "\n# replay: " + f.Replay + "\n" + f.Script + "\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("repro-api-%d.sh", i+1)), []byte(s), 0o644); err != nil {
			return fmt.Errorf("write repro script: %w (check --report-dir)", err)
		}
	}
	return nil
}
