package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/tenantfuzz/tenantfuzz"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/profile"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/properties"
	"github.com/tenantfuzz/tenantfuzz/reports"
	"github.com/tenantfuzz/tenantfuzz/scenarios"
)

// gate runs the isolation gate (run) or one finding again (replay).
func gate(args []string, replay bool, stdout, stderr io.Writer) int {
	var o options
	name := "run"
	if replay {
		name = "replay"
	}
	fs := newFlagSet(name, replay, &o, stderr)
	var ro runReportOptions
	ro.register(fs)
	conciseUsage(fs, name, args, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tenantfuzz %s: unexpected argument %q (flags start with --)\n", name, fs.Arg(0))
		return exitUsage
	}
	if o.listProps {
		listProperties(stdout)
		return exitOK
	}
	if replay && (len(o.properties) != 1 || o.relation == "" || !o.seedSet) {
		fmt.Fprintln(stderr, "tenantfuzz replay: --property, --relation and --seed are required: copy them from the finding's replay line")
		return exitUsage
	}
	o.supabaseDefaults()
	if err := checkChecks(fs, o.checks); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	shard, shards, err := parseShard(o.shard)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if _, err := properties.Select(o.properties); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	var vmutant *vector.Mutant
	if o.vectorMutant != "" {
		if vmutant = vector.MutantByName(o.vectorMutant); vmutant == nil {
			fmt.Fprintf(stderr, "tenantfuzz %s: unknown vector mutant %q (see tenantfuzz mutants)\n", name, o.vectorMutant)
			return exitUsage
		}
	}
	var rmutant *router.Mutant
	if o.routerMutant != "" {
		if rmutant = router.MutantByName(o.routerMutant); rmutant == nil {
			fmt.Fprintf(stderr, "tenantfuzz %s: unknown router mutant %q (see tenantfuzz mutants)\n", name, o.routerMutant)
			return exitUsage
		}
	}
	var amutant *api.Mutant
	if o.apiMutant != "" {
		if amutant = api.MutantByName(o.apiMutant); amutant == nil {
			fmt.Fprintf(stderr, "tenantfuzz %s: unknown API mutant %q (see tenantfuzz api --list-mutants)\n", name, o.apiMutant)
			return exitUsage
		}
	}
	modes, err := vectorModes(o.vectorMode)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	var failOn harness.Severity
	if o.failOn != "" {
		if failOn, err = audit.ParseSeverity(o.failOn); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz %s: --fail-on-audit: %v\n", name, err)
			return exitUsage
		}
	}
	prof, err := loadProfile(o)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if !o.seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.seed = binary.LittleEndian.Uint64(b[:])>>1 | 1
	}
	checks := prof.Checks
	if o.checks > 0 {
		checks = o.checks
	}
	large, err := o.large(prof, checks)
	if replay {
		large.Checks = 1 // the failing check's own seed, as for every property
	}
	if err == nil && slices.Contains(o.properties, harness.LargeWorld.Name) && large.Tenants == 0 {
		err = fmt.Errorf("property large-world needs a large world: add --large-tenants N (10000 in the nightly profile) or use a profile with large: set")
	}
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if replay {
		checks = 1 // the seed is the failing check's own
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()

	cfg, err := targetConfig(o)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if err := checkPinecone(o); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	warnUnverified(stderr, name, o)
	for _, d := range [][2]string{{"--report-dir", o.reportDir}, {"--evidence", ro.evidence}} {
		if err := checkWritable(d[0], d[1]); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
			return exitUsage
		}
	}
	db, provider, err := openDatabase(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	defer db.Close(context.Background())
	tg, err := harness.Open(ctx, db, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	defer tg.Close()
	if err := tg.CheckContextSQL(ctx); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	nworkers, err := parallelism(o, prof, replay, tg)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	workers, err := openWorkers(ctx, tg, nworkers)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	defer harness.CloseClones(workers)
	auditRep, err := audit.RunTarget(ctx, tg)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: static audit: %v\n", name, err)
		return exitUsage
	}
	venv, err := openVector(ctx, o, tg)
	vectorOff := ""
	if o.vector == "none" {
		vectorOff = "--vector none: no vector store under test"
	}
	if err != nil { // ErrNoPinecone too: checkPinecone refused it above
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if venv != nil {
		defer venv.Close()
		if vmutant != nil {
			venv = venv.WithMutant(vmutant)
		}
	}
	renv, err := openRouter(ctx, o, provider)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if renv != nil {
		defer renv.Close()
		if rmutant != nil {
			renv = renv.WithMutant(rmutant)
		}
	}

	aenv, err := openAPI(ctx, o, provider)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if aenv != nil {
		defer aenv.Close()
		if amutant != nil {
			aenv = aenv.WithMutant(amutant)
		}
	}

	selected, _ := properties.Select(o.properties) // checked above
	penv := &properties.Env{Target: tg, Vector: venv, VectorModes: modes, VectorOff: vectorOff, Router: renv, RouterOff: routerOff(o, provider),
		API: aenv, APIOff: apiOff(o, provider)}
	if err := checkRelation(o.relation, selected, penv); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	suite := &scenarios.Suite{
		Target: tg,
		Options: harness.RunOptions{
			Checks: checks, Seed: o.seed, ExactSeed: replay, Statements: prof.Statements, ShrinkTime: prof.Shrink,
			World:      generators.WorldOptions{MinTenants: prof.Tenants[0], MaxTenants: prof.Tenants[1], MaxRows: prof.Rows},
			ReplayBase: o.replayBase(),
			Large:      large,
		},
		Deadline:    started.Add(prof.Budget),
		Properties:  o.properties,
		Relation:    o.relation,
		Vector:      venv,
		VectorModes: modes,
		VectorOff:   vectorOff,
		Router:      renv,
		RouterOff:   routerOff(o, provider),
		API:         aenv,
		APIOff:      apiOff(o, provider),
		Shard:       shard,
		Shards:      shards,
		Workers:     workers,
	}
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = prof.Labels
	sc.RandomSeed = int64(o.seed >> 1)
	sc.Timeout = prof.Budget + 10*time.Minute // our own budget ends checks first; this only catches a hung spec
	rc.Succinct = !o.verbose
	rc.Verbose = o.verbose
	rc.NoColor = !isTerminal(stdout)
	fmt.Fprintf(stdout, "tenantfuzz %s: profile %s, seed %d, %d checks per property and relation, %d workers, PostgreSQL %s (%s)\n",
		name, prof.Name, o.seed, checks, nworkers, db.Version, provider)
	progress := ro.progress(o, stdout, checks, large, suite.Results)
	if progress != nil {
		progress.Concurrent = nworkers > 1
		suite.Options.Progress = progress.Hook
		progress.Start()
	}
	intr := catchInterrupts(stderr, func() int { return len(suite.Results()) })
	ginkgoOut := quietGinkgo(o.verbose)
	passed := scenarios.Run(suite, sc, rc)
	ginkgoOut.restore()
	if progress != nil {
		progress.Stop()
	}

	results := suite.Results()
	sig, done := intr.signal()
	if sig != nil {
		markInterrupted(results, done, sig)
	}
	scriptRoles(results, tg.Roles)
	mutants, err := reports.FindMatrix(o.reportDir)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v (the HTML report shows no kill matrix)\n", name, err)
	}
	cwd, _ := os.Getwd()
	rep := reports.Build(reports.Input{
		Version: tenantfuzz.Version, TG: tg, Results: results, Audit: auditRep, Mutants: mutants, SourceRoot: cwd,
		Run: reports.Run{
			Started: started, Finished: time.Now(), Seconds: time.Since(started).Seconds(), Seed: o.seed,
			Profile: prof.Name, PostgresVersion: db.Version, Provider: provider,
			Command: runCommand(o, replay), Settings: runSettings(prof, checks, o, large, suite.LargeWorld(), ranProperty(results, harness.LargeWorld.Name)), ShowValues: o.showValues, Shard: o.shard,
			Interrupted: sig != nil, Signal: signalName(sig),
		},
		Target: targetSummary(o, tg, venv, modes),
	})
	code := exitOK
	switch {
	case rep.Totals.Findings > 0, failOn != "" && len(auditRep.AtLeast(failOn)) > 0:
		code = exitFindings
	case rep.Totals.Errors > 0 || rep.Totals.Blind > 0 || rep.Totals.Scenarios == rep.Totals.NotApplicable, !passed:
		// Blind scenarios proved nothing: never a green gate. !passed
		// alone: a spec failed without a result (a panic, a teardown).
		code = exitUsage
	case prof.PartialFails && rep.Totals.Partial > 0:
		code = exitUsage // the profile does not accept a pass on fewer checks than planned
	}
	if sig != nil {
		code = exitCodeOf(sig) // the code the process returns, recorded as such
		if dir := interruptedDir(o.reportDir); dir != o.reportDir {
			fmt.Fprintf(stdout, "interrupted: the complete report in %s is kept; this partial one goes to %s\n", o.reportDir, dir)
			o.reportDir = dir
		}
	}
	if replay && sig == nil && rep.Totals.Findings == 0 && rep.Totals.Errors == 0 {
		fmt.Fprintln(stdout, "replay: the finding no longer reproduces")
	}
	rep.SetExitCode(code)
	if err := rep.Redact(secrets(o, db)...); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	if !passed && sig == nil && rep.Totals.Findings == 0 && rep.Totals.Errors == 0 && rep.Totals.Blind == 0 {
		// The suite failed for a reason no result records (a panic in a
		// spec, a reporter error): show what Ginkgo said.
		ginkgoOut.dump(stderr, secrets(o, db))
	}
	if err := writeRunReports(rep, o, ro, prof, tg, replay, stdout); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz %s: %v\n", name, err)
		return exitUsage
	}
	return code
}

func loadProfile(o options) (*profile.Profile, error) {
	var set profile.Set
	var err error
	switch {
	case o.profilesFile != "":
		set, err = profile.Load(o.profilesFile)
	default:
		if _, statErr := os.Stat("ginkgo.yml"); statErr == nil {
			set, err = profile.Load("ginkgo.yml")
		} else {
			set, err = profile.Parse(tenantfuzz.GinkgoYML, "built-in ginkgo.yml")
		}
	}
	if err != nil {
		return nil, err
	}
	p, err := set.Get(o.profile)
	if err != nil {
		return nil, err
	}
	if o.budget != 0 {
		if o.budget < 0 {
			return nil, fmt.Errorf("--budget must be a positive duration such as 30m, got %v", o.budget)
		}
		p.Budget = o.budget
	}
	return p, nil
}

// supabaseDefaults: with --supabase, statements run as authenticated and
// the context is carried by request.jwt.claims unless flags say otherwise.
func (o *options) supabaseDefaults() {
	if !o.supabase {
		return
	}
	if o.appRole == "app_user" {
		o.appRole = "authenticated"
	}
	if o.context == "" && o.contextSQL == "" {
		o.context = "supabase"
	}
}

func targetConfig(o options) (harness.Config, error) {
	cfg := harness.Config{AppRole: o.appRole, TenantColumn: o.tenantColumn, Context: o.context, ContextSQL: o.contextSQL, ShowValues: o.showValues, Supabase: o.supabase,
		Global: o.global, Owned: o.owned, Membership: o.membership}
	if o.schema != "" {
		s, err := harness.LoadSchema(o.schema)
		if err != nil {
			return cfg, err
		}
		cfg.Schema = s
	}
	ov, err := harness.LoadFiles(o.overlays)
	if err != nil {
		return cfg, fmt.Errorf("%w (check the --overlay path)", err)
	}
	cfg.Overlays = ov
	return cfg, nil
}

// resolveProvider picks the provider: --postgres, else dsn when --dsn or
// $TENANTFUZZ_DSN is given, else an embedded server from the local
// PostgreSQL binaries.
func resolveProvider(o options) string {
	if o.postgres != "" {
		return o.postgres
	}
	if o.dsn != "" || os.Getenv("TENANTFUZZ_DSN") != "" {
		return "dsn"
	}
	return "embedded"
}

// warnUnverified prints a note for each backend of the run that this
// build's CI does not verify (reports.Backends): --postgres docker and
// --vector pinecone work as documented, but no CI test held them to it.
func warnUnverified(w io.Writer, cmd string, o options) {
	vec := o.vector
	if vec == "" {
		vec = "fake"
	}
	for _, b := range [][3]string{{"postgres", resolveProvider(o), "--postgres"}, {"vector", vec, "--vector"}} {
		if bk, ok := reports.BackendOf(b[0], b[1]); ok && !bk.VerifiedInCI {
			fmt.Fprintf(w, "tenantfuzz %s: note: %s %s is unverified in CI (%s); the report says so\n", cmd, b[2], b[1], bk.How)
		}
	}
}

// openDatabase opens the provider resolveProvider picks.
func openDatabase(ctx context.Context, o options) (*pg.Database, string, error) {
	provider := resolveProvider(o)
	var db *pg.Database
	var err error
	switch provider {
	case "dsn":
		db, err = pg.OpenDSN(ctx, o.dsn)
	case "embedded":
		db, err = pg.StartEmbedded(ctx, pg.EmbeddedOptions{})
	case "docker":
		db, err = pg.StartDocker(ctx, pg.DockerOptions{})
	default:
		err = fmt.Errorf("--postgres %q: use embedded, docker or dsn", provider)
	}
	return db, provider, err
}

// openRouter starts the level-3 environment (a shared database and two
// dedicated ones, from the same provider) unless --level3=false, a user
// schema or a DSN makes the reference router beside the point.
func openRouter(ctx context.Context, o options, provider string) (*router.Env, error) {
	if !o.level3 || o.schema != "" || provider == "dsn" || len(o.overlays) > 0 && o.routerMutant == "" {
		return nil, nil
	}
	opts := router.EnvOptions{Dedicated: 2}
	if provider == "docker" {
		opts.Start = func(ctx context.Context) (*pg.Database, error) { return pg.StartDocker(ctx, pg.DockerOptions{}) }
	}
	env, err := router.NewEnv(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start the level-3 databases: %w", err)
	}
	return env, nil
}

// routerOff says why a run has no level-3 router ("" when it has one).
func routerOff(o options, provider string) string {
	switch {
	case !o.level3:
		return "--level3=false"
	case o.schema != "":
		return "level 3 checks the reference router, which routes the reference schema's tenants by tenants.tier to dedicated databases it starts; a custom schema (--schema) has no such router here (check your own shared-to-dedicated migration with tenantfuzz migrate-check)"
	case provider == "dsn":
		return "level 3 starts its own shared and dedicated servers (embedded or docker), which a --dsn run cannot"
	case len(o.overlays) > 0 && o.routerMutant == "":
		return "the overlays change the reference schema, and the level-3 databases are built from the reference schema alone"
	}
	return ""
}

// listProperties prints the registry: name, layer, labels, what each
// property proves.
func listProperties(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "property\tlayer\tlabels\twhat it proves")
	for _, p := range properties.All {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Layer, strings.Join(p.Labels, ","), p.Title)
	}
	tw.Flush()
}

// parseShard reads --shard i/n.
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	var i, n int
	if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: use i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

func targetSummary(o options, tg *harness.Target, venv *vector.Env, modes []vector.Mode) reports.Target {
	t := reports.Target{Schema: "reference", SHA256: tg.Digest, Overlays: append([]string{}, o.overlays...),
		AppRole: tg.Config.AppRole, TenantColumn: tg.Config.TenantColumn, Context: tg.Strategy.Name, ContextSQL: tg.Config.ContextSQL}
	if venv != nil {
		t.Vector = venv.Backend
		for _, m := range modes {
			t.VectorModes = append(t.VectorModes, string(m))
		}
	}
	if o.schema != "" {
		t.Schema = o.schema
	}
	return t
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// vectorModes reads --vector-mode.
func vectorModes(s string) ([]vector.Mode, error) {
	if s == "both" || s == "" {
		return vector.Modes, nil
	}
	m, err := vector.ParseMode(s)
	if err != nil {
		return nil, fmt.Errorf("--vector-mode: %w (or both)", err)
	}
	return []vector.Mode{m}, nil
}

// openVector stands up the vector backend: the fake Pinecone data plane,
// a Pinecone (or Pinecone Local) index, or none.
func openVector(ctx context.Context, o options, tg *harness.Target) (*vector.Env, error) {
	var env *vector.Env
	var err error
	switch o.vector {
	case "none":
		return nil, nil
	case "fake", "":
		env, err = vector.NewFakeEnv(ctx, vector.FakeOptions{})
	case "pinecone":
		env, err = vector.NewPineconeEnv(ctx, o.pineconeHost, "", vector.PineconeOptions{Metric: o.pineconeMetric})
	default:
		return nil, fmt.Errorf("--vector %q: use fake, pinecone or none", o.vector)
	}
	if err != nil {
		return nil, err
	}
	return env.WithTarget(tg), nil
}
