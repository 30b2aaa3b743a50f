package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/apiclient"
)

// apiExternal routes the external-service forms of tenantfuzz api: --url
// (a user's own service), and the hidden helpers serve and token the
// tests (and a user trying the path out) start the reference service and
// mint its tokens with. ok is false for the in-process forms.
func apiExternal(args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			return apiServeCmd(args[1:], stdout, stderr), true
		case "token":
			return apiTokenCmd(args[1:], stdout, stderr), true
		}
	}
	for _, a := range args {
		if a == "--url" || a == "-url" || strings.HasPrefix(a, "--url=") || strings.HasPrefix(a, "-url=") {
			return apiURLCmd(args, stdout, stderr), true
		}
	}
	return 0, false
}

// apiURLFlags are the flags of tenantfuzz api --url.
type apiURLFlags struct {
	o                              options
	url, serveCmd, authCmd, secret string
	claim, hostPattern, endpoints  string
	openapi, property, relation    string
	allow                          stringList
	serveTimeout                   time.Duration
	checks                         int
}

func apiURLFlagSet(f *apiURLFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("api --url", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "", "the base `URL` of your service; loopback, or a host named by --allow-host")
	fs.Var(&f.allow, "allow-host", "also allow this test `HOST` in --url (repeatable); every other non-loopback host is refused")
	fs.StringVar(&f.serveCmd, "serve-cmd", "", "shell `CMD` that starts your service on the run's database (DATABASE_URL and TENANTFUZZ_APP_ROLE in its environment), listening on --url")
	fs.DurationVar(&f.serveTimeout, "serve-timeout", 30*time.Second, "how long to wait for --serve-cmd to answer on --url")
	fs.StringVar(&f.authCmd, "auth-cmd", "", "shell `CMD` that prints a tenant's bearer token; {tenant} is the tenant id, {slug} its slug")
	fs.StringVar(&f.secret, "jwt-secret-file", "", "`FILE` with the service's JWT signing key (HS256 secret, or a PEM RSA / P-256 EC private key): tenantfuzz mints each tenant's tokens")
	fs.StringVar(&f.claim, "jwt-claim", api.ClaimTenant, "the JWT `CLAIM` that names the tenant")
	fs.StringVar(&f.hostPattern, "host-pattern", "", "each tenant's Host header, e.g. '{slug}.app.test' ({COLUMN}: a column of the tenants table, given a host-safe value)")
	fs.StringVar(&f.endpoints, "endpoints", "", "YAML `FILE` naming the endpoints to exercise (docs/api.md)")
	fs.StringVar(&f.openapi, "openapi", "", "OpenAPI 3 `FILE` (YAML or JSON) whose operations are the endpoints")
	fs.StringVar(&f.o.dsn, "dsn", "", "seed through this server (libpq URL or key=value; default $TENANTFUZZ_DSN): tenantfuzz creates its own database there and drops it afterwards")
	fs.StringVar(&f.o.postgres, "postgres", "", "the PostgreSQL provider: embedded (default without a DSN), docker or dsn")
	fs.StringVar(&f.o.schema, "schema", "", "your schema (a .sql file or migrations directory) instead of the reference schema")
	fs.StringVar(&f.o.appRole, "app-role", "", "the application role your service runs as (default app_user)")
	fs.Var(seedFlag{&f.o}, "seed", "seed of the run (default: random, printed)")
	fs.IntVar(&f.checks, "checks", 0, fmt.Sprintf("checks (worlds), 1 to 1,000,000 (default %d; 4 requests each)", apiDefaultChecks))
	fs.StringVar(&f.o.reportDir, "report-dir", "", "write api-report.json and one repro-api-N.sh per finding into `DIR`")
	fs.StringVar(&f.property, "property", "", "replay: the property of the replay line (api-isolation)")
	fs.StringVar(&f.relation, "relation", "", "replay: the subject of the replay line (service)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  tenantfuzz api --url URL --serve-cmd CMD (--auth-cmd CMD | --jwt-secret-file FILE | --host-pattern P)
                 (--endpoints FILE | --openapi FILE) [--dsn DSN] [--schema PATH] [--seed N] [--checks N]

Checks api-isolation on your own service: tenantfuzz creates a database for the run (on the --dsn
server, or an embedded one), applies the schema, starts your service on it with --serve-cmd, seeds
random worlds, and sends random requests of random tenants, with valid and hostile credentials, to
--url only (loopback, or hosts named by --allow-host). Every value of every answer is traced to its
owner; see docs/api.md, "Your own service". Exit codes: 0 clean, 1 findings, 2 usage or setup
error, or a blind run.

Flags:
`)
		fs.PrintDefaults()
	}
	return fs
}

// apiURLCmd runs api-isolation against a user's service (apiclient).
func apiURLCmd(args []string, stdout, stderr io.Writer) int {
	var f apiURLFlags
	fs := apiURLFlagSet(&f, stderr)
	conciseUsage(fs, "api --url", args, stderr)
	if wantsHelp(args) { // before Parse: "--url --help" would read --help as the URL
		fs.Usage()
		return exitOK
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tenantfuzz api: "+format+": see tenantfuzz api --url --help\n", a...)
		return exitUsage
	}
	replay := f.property != "" || f.relation != ""
	scope, err := apiclient.NewScope(f.url, f.allow)
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q (flags start with --)", fs.Arg(0))
	case err != nil:
		return fail("%v", err)
	case f.authCmd == "" && f.secret == "" && f.hostPattern == "":
		return fail("no credentials source: give --auth-cmd 'CMD {tenant}' (prints a tenant's bearer token), --jwt-secret-file FILE, or --host-pattern '{slug}.app.test'")
	case f.authCmd != "" && f.secret != "":
		return fail("give --auth-cmd or --jwt-secret-file, not both")
	case (f.endpoints == "") == (f.openapi == ""):
		return fail("name the endpoints with --endpoints FILE.yml or --openapi FILE (one of the two)")
	case f.serveCmd == "":
		return fail("no --serve-cmd: tenantfuzz seeds a database it creates for the run, never your service's own, so it starts your service on it (DATABASE_URL in the environment)")
	case checkChecks(fs, f.checks) != nil:
		return fail("%v", checkChecks(fs, f.checks))
	case replay && (f.property != api.APIIsolation.Name || f.relation != api.Subject || !f.o.seedSet):
		return fail("a replay needs --property %s --relation %s --seed N, as the replay line prints them", api.APIIsolation.Name, api.Subject)
	case replay && f.checks != 0:
		return fail("a replay runs the one check of its seed: drop --checks")
	}
	creds := &apiclient.Credentials{AuthCmd: f.authCmd, Claim: f.claim, HostPattern: f.hostPattern}
	how := "what --auth-cmd prints for the tenant"
	if f.secret != "" {
		if creds.Key, creds.Method, err = apiclient.LoadKey(f.secret); err != nil {
			return fail("%v", err)
		}
		how = "signed with --jwt-secret-file"
	}
	if f.hostPattern != "" {
		if err := apiclient.CheckHostPattern(f.hostPattern); err != nil {
			return fail("%v", err)
		}
	}
	var spec *apiclient.Spec
	if f.endpoints != "" {
		spec, err = apiclient.LoadEndpoints(f.endpoints)
	} else {
		var skipped []string
		spec, skipped, err = apiclient.LoadOpenAPI(context.Background(), f.openapi)
		for _, s := range skipped {
			fmt.Fprintf(stdout, "openapi: skipped %s\n", s)
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	if f.o.reportDir != "" {
		if err := checkWritable("--report-dir", f.o.reportDir); err != nil {
			return fail("%v", err)
		}
	}
	if !f.o.seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		f.o.seed = binary.LittleEndian.Uint64(b[:])>>1 | 1
	}
	opts := harness.RunOptions{Checks: f.checks, Seed: f.o.seed, ShrinkTime: 2 * time.Second, ReplayBase: apiURLReplayBase(fs)}
	if opts.Checks == 0 {
		opts.Checks = apiDefaultChecks
	}
	if replay {
		opts.ExactSeed, opts.Checks = true, 1
	}
	if err := portFree(scope); err != nil {
		return fail("%v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	setup := func(err error) int {
		fmt.Fprintf(stderr, "tenantfuzz api: %v\n", err)
		return exitUsage
	}
	db, provider, err := openDatabase(ctx, f.o)
	if err != nil {
		return setup(err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	schema, err := harness.LoadSchema(f.o.schema)
	if err != nil {
		return setup(err)
	}
	tg, err := harness.Open(ctx, db, harness.Config{Schema: schema, AppRole: f.o.appRole})
	if err != nil {
		return setup(err)
	}
	defer tg.Close()
	x := &apiclient.Target{Scope: scope, Spec: spec, Creds: creds, DB: tg, How: how}
	if err := x.Check(); err != nil {
		return fail("%v", err)
	}
	svc, err := apiclient.Serve(f.serveCmd, []string{"DATABASE_URL=" + db.DSN, "TENANTFUZZ_APP_ROLE=" + tg.Config.AppRole}, secretRedactor(f.o.dsn, db.DSN))
	if err != nil {
		return setup(err)
	}
	defer svc.Stop()
	if err := svc.WaitReady(ctx, scope, f.serveTimeout); err != nil {
		return setup(err)
	}
	res := x.Run(ctx, opts)
	svc.Stop()
	writeAPIResult(stdout, res, fmt.Sprintf("%s, worlds seeded through a database of the run (provider %s)", scope.Base.Redacted(), provider),
		"while the service runs on a database holding the world; $TOKEN is the tenant's token, never printed", f.o.seed, replay)
	if f.o.reportDir != "" {
		if err := writeAPIReports(f.o.reportDir, res); err != nil {
			return setup(err)
		}
		fmt.Fprintf(stdout, "reports: api-report.json in %s\n", f.o.reportDir)
	}
	switch res.Verdict {
	case harness.VerdictPass:
		return exitOK
	case harness.VerdictLeak:
		return exitFindings
	}
	return exitUsage
}

// portFree refuses a URL something already answers on before the service
// starts: tenantfuzz would test that instead of the service it starts on
// the run's database.
func portFree(s *apiclient.Scope) error {
	port := s.Base.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[s.Base.Scheme]
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Base.Hostname(), port), 500*time.Millisecond)
	if err != nil {
		return nil
	}
	c.Close()
	return fmt.Errorf("something already answers at %s before --serve-cmd started: stop it (tenantfuzz tests the service it starts on the run's database, never one serving another database)", s.Base.Redacted())
}

// secretRedactor hides the DSNs' passwords and $PGPASSWORD in the service
// output an error shows.
func secretRedactor(dsns ...string) func(string) string {
	var secrets []string
	for _, d := range dsns {
		if c, err := pgx.ParseConfig(d); err == nil && c.Password != "" {
			secrets = append(secrets, c.Password)
		}
	}
	if p := os.Getenv("PGPASSWORD"); p != "" {
		secrets = append(secrets, p)
	}
	return func(s string) string {
		for _, p := range secrets {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
		return s
	}
}

// apiURLReplayBase is the command line of the run without seed, checks,
// report dir and replay flags (the harness appends them); a DSN is
// "$TENANTFUZZ_DSN", never its text.
func apiURLReplayBase(fs *flag.FlagSet) string {
	parts := []string{"tenantfuzz api"}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "seed", "checks", "report-dir", "property", "relation":
		case "dsn":
			parts = append(parts, `--dsn "$TENANTFUZZ_DSN"`)
		case "allow-host":
			for _, h := range *fl.Value.(*stringList) {
				parts = append(parts, "--allow-host "+harness.ShellQuote(h))
			}
		default:
			parts = append(parts, "--"+fl.Name+" "+harness.ShellQuote(fl.Value.String()))
		}
	})
	return strings.Join(parts, " ")
}
