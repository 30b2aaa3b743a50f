package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/profile"
)

// options are the flags of run and replay.
type options struct {
	profile      string
	profilesFile string
	seed         uint64
	seedSet      bool
	checks       int
	budget       time.Duration
	parallel     int
	overlays     stringList
	schema       string
	appRole      string
	contextSQL   string
	context      string
	dsn          string
	tenantColumn string
	reportDir    string
	showValues   bool
	properties   stringList
	listProps    bool
	relation     string
	verbose      bool
	vector       string
	vectorMode   string
	pineconeHost string
	// pineconeMetric is the metric of the --vector pinecone index ("":
	// cosine); the client's index stats do not report it.
	pineconeMetric string
	failOn         string
	postgres       string
	level3         bool
	apiLayer       bool
	supabase       bool
	global         stringList
	owned          stringList
	membership     string
	shard          string
	vectorMutant   string
	routerMutant   string
	apiMutant      string
	// large world: -1 means "from the profile"
	largeTenants int
	largeRows    int
	largeChecks  int
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// optionalInt is an integer flag that is -1 until set (so "from the
// profile" and 0 differ) and prints no default in the usage.
type optionalInt struct{ v *int }

func (f optionalInt) String() string {
	if f.v == nil || *f.v < 0 {
		return ""
	}
	return strconv.Itoa(*f.v)
}

func (f optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("want an integer, got %q", s)
	}
	if n < 0 {
		return fmt.Errorf("must not be negative, got %d", n)
	}
	*f.v = n
	return nil
}

type seedFlag struct{ o *options }

func (s seedFlag) String() string { return "" }
func (s seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("seed must be a positive integer up to %d, got %q", uint64(math.MaxUint64), v)
	}
	if n == 0 {
		return fmt.Errorf("seed must be a positive integer, got 0: rapid reads seed 0 as \"pick a random seed\", which no replay could reproduce")
	}
	s.o.seed, s.o.seedSet = n, true
	return nil
}

func newFlagSet(name string, replay bool, o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.profile, "profile", "quick", "gate profile from ginkgo.yml (quick, pr, nightly)")
	fs.StringVar(&o.profilesFile, "profiles", "", "profile file (default ./ginkgo.yml if present, else the built-in copy)")
	fs.Var(seedFlag{o}, "seed", "seed of the run (default: random, printed); the same seed replays the same run")
	fs.IntVar(&o.checks, "checks", 0, "checks per property and relation, 1 to 1,000,000 (default from the profile)")
	fs.DurationVar(&o.budget, "budget", 0, "wall-clock budget of the gate, e.g. 30m (default from the profile); checks stop starting when it is spent")
	fs.IntVar(&o.parallel, "parallel", 0, "workers that run the checks at once, each on its own copy of the database (default from the profile's parallel:, else the number of CPUs, at most 8; replay uses 1); results equal a serial run's")
	fs.Var(&o.overlays, "overlay", "SQL file applied by the superuser after the schema, before any data (repeatable)")
	fs.StringVar(&o.schema, "schema", "", "schema to test: a .sql file, a directory of migrations, or a project directory (supabase/migrations, migrations/, db/migrations, db/migration, prisma/migrations win over root .sql files) (default: the reference schema)")
	fs.StringVar(&o.appRole, "app-role", "app_user", "the application role the statements run as")
	fs.StringVar(&o.contextSQL, "context-sql", "", "SQL that sets a tenant's context in a transaction; $1 is the tenant id (default: select set_config('app.tenant_id', $1, true))")
	fs.StringVar(&o.context, "context", "", "context strategy: set_config (default), sql (with --context-sql), set-local, jwt, role, format-unsafe")
	fs.StringVar(&o.dsn, "dsn", "", "use an existing server (libpq URL or key=value; default $TENANTFUZZ_DSN); tenantfuzz creates and drops its own database there")
	fs.StringVar(&o.tenantColumn, "tenant-column", "tenant_id", "the column that holds the tenant id")
	fs.StringVar(&o.reportDir, "report-dir", "./tenantfuzz-report", "where report.json, junit.xml and repro scripts go")
	fs.BoolVar(&o.showValues, "show-values", false, "print database values in findings (default: redacted to ids and canaries)")
	fs.BoolVar(&o.verbose, "v", false, "verbose Ginkgo output")
	fs.StringVar(&o.vector, "vector", "fake", "vector backend: fake (in-process Pinecone data plane), pinecone (--pinecone-host, key in PINECONE_API_KEY; a scratch index), none")
	fs.StringVar(&o.vectorMode, "vector-mode", "both", "vector isolation mode under test: namespace (one per tenant), shared (tenant metadata filter), both")
	fs.StringVar(&o.pineconeHost, "pinecone-host", "", "index host for --vector pinecone (Pinecone Local: localhost:5081)")
	fs.StringVar(&o.pineconeMetric, "pinecone-metric", "", "the --vector pinecone index's metric: cosine (default), dotproduct or euclidean (query reach is ranked by it)")
	fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL provider: embedded (local binaries; the default), docker (testcontainers, needs a Docker engine), dsn (--dsn or $TENANTFUZZ_DSN; the default when one is given)")
	fs.BoolVar(&o.level3, "level3", true, "run the level-3 routing and migration properties on the reference router (embedded or docker, reference schema only)")
	fs.BoolVar(&o.apiLayer, "api", true, "run the API properties on the reference HTTP service, started per run on loopback (embedded or docker, reference schema only)")
	fs.BoolVar(&o.supabase, "supabase", false, "apply the Supabase shim (auth.uid(), auth.jwt(), auth.email(), anon/authenticated/service_role, the extensions schema with pgcrypto and uuid-ossp; no storage) before the schema; defaults --context to supabase and --app-role to authenticated")
	tenancyFlags(fs, o)
	fs.StringVar(&o.shard, "shard", "", "run shard i of n (\"i/n\", 0-based) of the specs; shards of one seed together run exactly the unsharded checks (merge with tenantfuzz report --merge)")
	fs.StringVar(&o.vectorMutant, "vector-mutant", "", "run the vector properties against this seeded vector defect (replay lines of tenantfuzz mutants)")
	fs.StringVar(&o.routerMutant, "router-mutant", "", "run the level-3 properties against this seeded routing defect (replay lines of tenantfuzz mutants)")
	fs.StringVar(&o.apiMutant, "api-mutant", "", "run the API properties against this seeded service defect (tenantfuzz api --list-mutants lists them)")
	fs.StringVar(&o.failOn, "fail-on-audit", "", "also exit 1 when the static audit has results at or above this severity (high, medium, low); default: the audit informs only")
	o.largeTenants, o.largeRows, o.largeChecks = -1, -1, -1
	fs.Var(optionalInt{&o.largeTenants}, "large-tenants", "`N` tenants of the large-world property's persistent world, bulk-loaded once (0 turns it off; default from the profile: 10,000 in nightly, off elsewhere; at most 1,000,000)")
	fs.Var(optionalInt{&o.largeRows}, "large-rows", "`N` rows per tenant and tenant table of the large world (default from the profile, else 33)")
	fs.Var(optionalInt{&o.largeChecks}, "large-checks", "`N` checks per relation of the large-world property (default: the profile's large.checks, else the run's checks)")
	fs.Var(&o.properties, "property", "run only this property (repeatable; --list-properties lists them)")
	fs.BoolVar(&o.listProps, "list-properties", false, "list the properties (name, layer, labels, what each proves) and exit")
	fs.StringVar(&o.relation, "relation", "", "run only on this relation")
	fs.Usage = func() {
		if replay {
			fmt.Fprint(stderr, "Usage: tenantfuzz replay --property P --relation R --seed S [target flags]\n       tenantfuzz replay --report report.json --finding N [target flags]\n\nRe-runs one finding from the replay line a run printed, or finding N (1-based, as numbered in the report) of a report.json. Exits 1 while it still reproduces, 0 once it does not.\n\nFlags:\n  -report path\n    \ta run's report.json to take the finding from (with --finding)\n  -finding N\n    \tthe finding of --report to replay (default 1)\n")
		} else {
			fmt.Fprint(stderr, "Usage: tenantfuzz run [flags]\n\nRuns the isolation gate. Exit codes: 0 no findings, 1 findings, 2 usage or setup error.\n\nFlags:\n")
		}
		fs.PrintDefaults()
	}
	return fs
}

// replayBase is the command line that stands up the same target: printed
// in every finding. The DSN itself is never printed.
func (o *options) replayBase() string {
	parts := []string{"tenantfuzz replay", "--profile " + harness.ShellQuote(o.profile)}
	if o.profilesFile != "" {
		parts = append(parts, "--profiles "+harness.ShellQuote(o.profilesFile))
	}
	if o.schema != "" {
		parts = append(parts, "--schema "+harness.ShellQuote(o.schema))
	}
	for _, ov := range o.overlays {
		parts = append(parts, "--overlay "+harness.ShellQuote(ov))
	}
	if o.appRole != "app_user" {
		parts = append(parts, "--app-role "+harness.ShellQuote(o.appRole))
	}
	if o.contextSQL != "" {
		parts = append(parts, "--context-sql "+harness.ShellQuote(o.contextSQL))
	}
	if o.context != "" {
		parts = append(parts, "--context "+harness.ShellQuote(o.context))
	}
	if o.tenantColumn != "tenant_id" {
		parts = append(parts, "--tenant-column "+harness.ShellQuote(o.tenantColumn))
	}
	if o.dsn != "" {
		parts = append(parts, `--dsn "$TENANTFUZZ_DSN"`)
	}
	if o.supabase {
		parts = append(parts, "--supabase")
	}
	for _, g := range o.global {
		parts = append(parts, "--global "+harness.ShellQuote(g))
	}
	for _, w := range o.owned {
		parts = append(parts, "--owned "+harness.ShellQuote(w))
	}
	if o.membership != "" {
		parts = append(parts, "--membership "+harness.ShellQuote(o.membership))
	}
	if o.postgres == "docker" {
		parts = append(parts, "--postgres docker")
	}
	if o.largeTenants > 0 { // the size used, from the flags or the profile
		parts = append(parts, "--large-tenants "+strconv.Itoa(o.largeTenants))
	}
	if o.largeRows > 0 {
		parts = append(parts, "--large-rows "+strconv.Itoa(o.largeRows))
	}
	if o.vectorMutant != "" {
		parts = append(parts, "--vector-mutant "+harness.ShellQuote(o.vectorMutant))
	}
	if o.routerMutant != "" {
		parts = append(parts, "--router-mutant "+harness.ShellQuote(o.routerMutant))
	}
	if o.apiMutant != "" {
		parts = append(parts, "--api-mutant "+harness.ShellQuote(o.apiMutant))
	}
	if o.vector != "" && o.vector != "fake" {
		parts = append(parts, "--vector "+harness.ShellQuote(o.vector))
	}
	if o.pineconeHost != "" {
		parts = append(parts, "--pinecone-host "+harness.ShellQuote(o.pineconeHost))
	}
	if o.pineconeMetric != "" {
		parts = append(parts, "--pinecone-metric "+harness.ShellQuote(o.pineconeMetric))
	}
	return strings.Join(parts, " ")
}

// tenancyFlags registers --global and --owned (run, replay and audit).
func tenancyFlags(fs *flag.FlagSet, o *options) {
	fs.Var(&o.global, "global", "treat `TABLE` as global: its rows belong to no tenant, every tenant may read them, and no table is owned through it (repeatable; overrides the detection, e.g. a profiles directory tenant tables reference)")
	fs.StringVar(&o.membership, "membership", "", "membership tenancy: the context names a user, who belongs to tenants through the rows of `TABLE(user_col,tenant_col)`, e.g. 'account_user(user_id, account_id)' (default: detected from policies that read such a table, directly or through a function; none turns the detection off)")
	fs.Var(&o.owned, "owned", "require `TABLE` to belong to a tenant: through the tenant column or a foreign key to a tenant table; the run fails if it has neither (repeatable)")
}

// maxLargeTenants bounds --large-tenants: every tenant has an entry in
// memory, and a million is a hundred times the nightly world.
const maxLargeTenants = 1000000

// large sizes the large world from the --large-* flags (-1: not given;
// optionalInt refuses other negative values), else the
// profile's large: section; its checks default to the run's checks. It
// records the size in o, so the replay line carries it.
func (o *options) large(p *profile.Profile, checks int) (harness.LargeOptions, error) {
	l := harness.LargeOptions{Tenants: p.Large.Tenants, PerTenant: p.Large.Rows, Checks: p.Large.Checks}
	if o.largeTenants >= 0 {
		l.Tenants = o.largeTenants
	}
	if o.largeRows >= 0 {
		l.PerTenant = o.largeRows
	}
	if o.largeChecks > 0 {
		l.Checks = o.largeChecks
	}
	switch {
	case l.Tenants == 1:
		return l, fmt.Errorf("--large-tenants must be 0 (off) or at least 2, got 1")
	case l.Tenants > maxLargeTenants:
		return l, fmt.Errorf("--large-tenants must be at most %d, got %d", maxLargeTenants, l.Tenants)
	case l.Tenants > 0 && o.largeRows == 0:
		return l, fmt.Errorf("--large-rows must be at least 1, got 0")
	case l.Tenants > 0 && l.PerTenant == 0:
		l.PerTenant = 33
	}
	if l.Checks == 0 {
		l.Checks = checks
	}
	if l.Tenants > 0 {
		o.largeTenants, o.largeRows = l.Tenants, l.PerTenant
	}
	return l, nil
}
