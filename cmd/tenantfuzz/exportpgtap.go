package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pgtap"
	"github.com/tenantfuzz/tenantfuzz/isolation"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// exportCmd handles `tenantfuzz export pgtap --from report.json --out DIR
// [--regression]`: a thin layer over harness/pgtap (findings) and
// isolation.Start plus pgtap.Regression (the regression suite of a clean
// run's target).
func exportCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "pgtap" {
		fmt.Fprintln(stderr, "tenantfuzz export: the one format is pgtap: tenantfuzz export pgtap --from report.json --out DIR [--regression]")
		return exitUsage
	}
	fs := flag.NewFlagSet("tenantfuzz export pgtap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "tenantfuzz-report/report.json", "the run's report.json")
	out := fs.String("out", "pgtap", "directory the .sql files are written to (created; files of the same names are replaced)")
	regression := fs.Bool("regression", false, "from a clean run: a fixed suite per tenant table that locks in today's good state (stands up the run's schema on an embedded server)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	rep, err := reports.Load(*from)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz export pgtap: %v\n", err)
		return exitUsage
	}
	var files []pgtap.File
	if *regression {
		if len(rep.Findings) > 0 {
			fmt.Fprintf(stderr, "tenantfuzz export pgtap: %s has %d findings: the regression suite locks in a clean state; fix them, or export them without --regression\n", *from, len(rep.Findings))
			return exitUsage
		}
		files, err = regressionFiles(rep, "tenantfuzz export pgtap --regression --from "+*from)
		if err != nil {
			fmt.Fprintf(stderr, "tenantfuzz export pgtap: %v\n", err)
			return exitUsage
		}
	} else {
		var fs []pgtap.Finding
		for _, f := range rep.Findings {
			fs = append(fs, pgtap.Finding{ID: f.ID, Finding: f.Finding})
		}
		var skipped []string
		files, skipped = pgtap.Findings(fs, pgtap.Options{Report: *from})
		for _, s := range skipped {
			fmt.Fprintf(stderr, "skipped %s\n", s)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "tenantfuzz export pgtap: %v\n", err)
		return exitUsage
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*out, f.Name), []byte(f.SQL), 0o644); err != nil {
			fmt.Fprintf(stderr, "tenantfuzz export pgtap: %v\n", err)
			return exitUsage
		}
		fmt.Fprintln(stdout, filepath.Join(*out, f.Name))
	}
	fmt.Fprintf(stderr, "%d pgTAP files in %s: pg_prove -d <database> %s/*.sql\n", len(files), *out, strings.TrimSuffix(*out, "/"))
	return exitOK
}

// regressionFiles stands up the run's target as the report recorded it
// (the same schema and overlay files, checked by digest) and renders its
// regression suite.
func regressionFiles(rep *reports.Report, command string) ([]pgtap.File, error) {
	t := rep.Target
	o := isolation.Options{Overlays: t.Overlays, AppRole: t.AppRole, TenantColumn: t.TenantColumn, Context: t.Context, ContextSQL: t.ContextSQL,
		Supabase: t.Context == "supabase"}
	if t.Schema != "reference" {
		o.Schema = t.Schema
	}
	if o.ContextSQL == harness.DefaultContextSQL {
		o.ContextSQL = ""
	}
	ctx := context.Background()
	tg, err := isolation.Start(ctx, o)
	if errors.Is(err, isolation.ErrUnavailable) {
		return nil, fmt.Errorf("%w: the regression suite is rendered against the run's schema on a private PostgreSQL", err)
	}
	if err != nil {
		return nil, err
	}
	defer tg.Close()
	if t.SHA256 != "" && tg.Digest != t.SHA256 {
		return nil, fmt.Errorf("the schema and overlay files differ from the run's (sha256 %s, now %s): run tenantfuzz again and export from its report", t.SHA256, tg.Digest)
	}
	return pgtap.Regression(ctx, tg.Target, command)
}
