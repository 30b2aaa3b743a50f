package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

// migrateCheckCmd verifies a user's own shared-to-dedicated migration of
// one tenant the way the migration property verifies the reference one
// (router.CheckMigration): nothing lost, nothing left behind, nobody
// else's rows in the target. Exit 0 clean, 1 findings, 2 usage or setup
// error. It only reads both databases.
func migrateCheckCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the source database (libpq URL or key=value), where the tenant's rows were: the shared database")
	to := fs.String("to", "", "the target database: the tenant's dedicated one")
	tenant := fs.String("tenant", "", "the tenant's id (the value of its tenant column)")
	tenantColumn := fs.String("tenant-column", "tenant_id", "the column that holds the tenant id")
	save := fs.String("save-baseline", "", "before migrating: write the tenant's rows in --from (keys and md5 digests) to `FILE` and exit")
	baseline := fs.String("baseline", "", "the `FILE` --save-baseline wrote: checks loss against it and leftovers in --from (without it, --from is the baseline and leftovers are not judged)")
	allowOthers := fs.Bool("allow-other-tenants", false, "accept rows of other tenants in --to (a target that is not a dedicated database)")
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  tenantfuzz migrate-check --from DSN --tenant ID --save-baseline before.json   (before the migration)
  tenantfuzz migrate-check --from DSN --to DSN --tenant ID --baseline before.json (after it)

Verifies a migration of one tenant from a shared database to a dedicated one: per table, in
foreign-key order, every row of the tenant is in --to unchanged (counts and md5 digests by
primary key), none is left in --from (the tenants table keeps the directory entry), and --to
holds no other tenant's rows. Exit codes: 0 clean, 1 findings, 2 usage or setup error.

Flags:
`)
		fs.PrintDefaults()
	}
	conciseUsage(fs, "migrate-check", args, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tenantfuzz migrate-check: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q (flags start with --)", fs.Arg(0))
	case *from == "" || *tenant == "":
		return fail("--from and --tenant are required")
	case *save == "" && *to == "":
		return fail("pass --to (after the migration) or --save-baseline FILE (before it)")
	case *save != "" && (*to != "" || *baseline != ""):
		return fail("--save-baseline only reads --from: drop --to and --baseline")
	case *format != "text" && *format != "json":
		return fail("unknown --format %q: use text or json", *format)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := connectChecked(ctx, *from, "--from")
	if err != nil {
		return fail("%v", err)
	}
	defer src.Close(context.WithoutCancel(ctx))
	cat, err := loadTenancy(ctx, src, *tenantColumn)
	if err != nil {
		return fail("%v", err)
	}
	if *save != "" {
		return saveBaseline(ctx, src, cat, *tenant, *save, stdout, fail)
	}
	var base *router.Baseline
	if *baseline != "" {
		if base, err = readBaseline(*baseline); err != nil {
			return fail("%v", err)
		}
	}
	dst, err := connectChecked(ctx, *to, "--to")
	if err != nil {
		return fail("%v", err)
	}
	defer dst.Close(context.WithoutCancel(ctx))
	rep, err := router.CheckMigration(ctx, src, dst, cat, *tenant, router.CheckOptions{Baseline: base, AllowOthers: *allowOthers})
	if err != nil {
		return fail("%v", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail("write report: %v", err)
		}
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "tenantfuzz migrate-check: %s -> %s\n", pg.RedactDSN(*from), pg.RedactDSN(*to))
		rep.WriteText(&b)
		fmt.Fprint(stdout, b.String())
	}
	if !rep.Clean() {
		return exitFindings
	}
	return exitOK
}

// connectChecked connects to a user's database, naming the flag on error.
func connectChecked(ctx context.Context, dsn, flagName string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to %s %s: %w; check the connection string and that the server runs", flagName, pg.RedactDSN(dsn), err)
	}
	return conn, nil
}

// loadTenancy reads the source's catalog (tables, keys, foreign keys,
// tenant columns) as the connected role.
func loadTenancy(ctx context.Context, conn *pgx.Conn, tenantColumn string) (*catalog.Catalog, error) {
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user::text").Scan(&user); err != nil {
		return nil, fmt.Errorf("read --from: %w", err)
	}
	cat, err := catalog.Load(ctx, conn, catalog.Options{AppRole: user, TenantColumn: tenantColumn})
	if err != nil {
		return nil, err
	}
	for _, r := range cat.TenantTables() {
		if r.TenantColumn != "" {
			return cat, nil
		}
	}
	return nil, fmt.Errorf("no table of --from has the column %q: pass --tenant-column with the column that holds the tenant id", tenantColumn)
}

func saveBaseline(ctx context.Context, src *pgx.Conn, cat *catalog.Catalog, tenant, path string, stdout io.Writer, fail func(string, ...any) int) int {
	base, err := router.TakeBaseline(ctx, src, cat, tenant)
	if err != nil {
		return fail("%v", err)
	}
	b, err := json.MarshalIndent(base, "", "  ")
	if err == nil {
		err = os.WriteFile(path, append(b, '\n'), 0o600)
	}
	if err != nil {
		return fail("write baseline: %v (check the --save-baseline path)", err)
	}
	rows := 0
	var tables []string
	for _, t := range base.Tables {
		rows += t.Count
		tables = append(tables, fmt.Sprintf("%s %d", t.Table, t.Count))
	}
	fmt.Fprintf(stdout, "tenantfuzz migrate-check: baseline of tenant %s saved to %s: %d rows (%s)\n", tenant, path, rows, strings.Join(tables, ", "))
	return exitOK
}

func readBaseline(path string) (*router.Baseline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w (check the --baseline path)", err)
	}
	var base router.Baseline
	if err := json.Unmarshal(b, &base); err != nil {
		return nil, fmt.Errorf("read baseline %s: %w: pass the file --save-baseline wrote", path, err)
	}
	if base.Tenant == "" || len(base.Tables) == 0 {
		return nil, fmt.Errorf("read baseline %s: no tenant or tables in it: pass the file --save-baseline wrote", path)
	}
	return &base, nil
}
