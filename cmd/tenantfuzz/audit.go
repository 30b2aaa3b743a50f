package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tenantfuzz/tenantfuzz"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// auditCmd runs the static audit: it stands up the target like run does
// (embedded server or --dsn, schema and overlays), reads the catalog and
// reports the configurations known to break tenant isolation. Exit 0 when
// no result is at or above --fail-on, 1 otherwise, 2 on usage or setup
// errors.
func auditCmd(args []string, stdout, stderr io.Writer) int {
	var o options
	var format, failOn, output string
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.schema, "schema", "", "schema to audit: a .sql file or a directory of .sql files applied in lexical order (default: the reference schema)")
	fs.Var(&o.overlays, "overlay", "SQL file applied by the superuser after the schema (repeatable)")
	fs.StringVar(&o.dsn, "dsn", "", "use an existing server (libpq URL or key=value; default $TENANTFUZZ_DSN); tenantfuzz creates and drops its own database there")
	fs.StringVar(&o.appRole, "app-role", "app_user", "the application role whose reach is audited")
	fs.StringVar(&o.tenantColumn, "tenant-column", "tenant_id", "the column that holds the tenant id")
	fs.StringVar(&o.context, "context", "", "context strategy the application uses, audited too: set_config (default), sql (with --context-sql), set-local, jwt, role, format-unsafe")
	fs.StringVar(&o.contextSQL, "context-sql", "", "SQL that sets a tenant's context; $1 is the tenant id (audited like a function body)")
	fs.BoolVar(&o.supabase, "supabase", false, "apply the Supabase shim (auth.uid(), auth.jwt(), auth.email(), anon/authenticated/service_role, the extensions schema with pgcrypto and uuid-ossp; no storage) before the schema; defaults --context to supabase and --app-role to authenticated")
	tenancyFlags(fs, &o)
	fs.StringVar(&format, "format", "text", "output format: text, json or sarif")
	fs.StringVar(&failOn, "fail-on", "high", "exit 1 when a result is at or above this severity: high, medium or low")
	fs.StringVar(&output, "output", "", "write the report to `FILE` instead of standard output")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tenantfuzz audit [flags]\n\nAudits the schema's catalog for configurations that break tenant isolation (%d checks, listed with their ids in docs/audit.md).\nExit codes: 0 nothing at or above --fail-on, 1 results at or above it, 2 usage or setup error.\n\nFlags:\n", len(audit.Checks()))
		fs.PrintDefaults()
	}
	conciseUsage(fs, "audit", args, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tenantfuzz audit: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	if format != "text" && format != "json" && format != "sarif" {
		return fail("unknown --format %q: use text, json or sarif", format)
	}
	min, err := audit.ParseSeverity(failOn)
	if err != nil {
		return fail("%v: pass --fail-on high, medium or low", err)
	}

	o.supabaseDefaults()
	cfg, err := targetConfig(o)
	if err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _, err := openDatabase(ctx, o)
	if err != nil {
		return fail("%v", err)
	}
	defer db.Close(context.Background())
	tg, err := harness.Open(ctx, db, cfg)
	if err != nil {
		return fail("%v", err)
	}
	defer tg.Close()
	rep, err := audit.RunTarget(ctx, tg)
	if err != nil {
		return fail("%v", err)
	}

	var buf bytes.Buffer
	switch format {
	case "text":
		err = rep.WriteText(&buf, min)
	case "json":
		err = rep.WriteJSON(&buf)
	case "sarif":
		err = reports.WriteSARIF(&buf, auditSARIF(rep, tg))
	}
	if err != nil {
		return fail("%v", err)
	}
	if output == "" {
		_, err = stdout.Write(buf.Bytes())
	} else {
		err = os.WriteFile(output, buf.Bytes(), 0o644)
		if err == nil {
			fmt.Fprintf(stdout, "tenantfuzz audit: %d results (%d high, %d medium, %d low) written to %s\n",
				len(rep.Results), rep.Counts.High, rep.Counts.Medium, rep.Counts.Low, output)
		}
	}
	if err != nil {
		return fail("write report: %v (check the --output path)", err)
	}
	if len(rep.AtLeast(min)) > 0 {
		return exitFindings
	}
	return exitOK
}

// auditSARIF turns an audit report into a SARIF log (reports.AuditSARIF);
// results no file locates (roles, the server) are placed at line 1 of
// the first schema file, since code scanning rejects a log with any
// result lacking a physical location.
func auditSARIF(rep *audit.Report, tg *harness.Target) reports.SARIFLog {
	l := reports.AuditSARIF(rep)
	l.ToolVersion = tenantfuzz.Version
	if len(tg.Config.Schema) > 0 {
		l.FallbackFile = tg.Config.Schema[0].Name
	}
	return l
}
