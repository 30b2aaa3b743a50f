package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/reports"
)

// reportCmd re-renders a run's report.json in any format: html, md,
// sarif, junit, json, text (the terminal summary) or schema (the JSON
// Schema of report.json). The kill matrix comes from --mutants, else from
// the report, else from a mutants.json beside it.
func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the report.json to render (required)")
	format := fs.String("format", "html", "output format: "+strings.Join(reports.FormatNames(), ", ")+", text or schema")
	output := fs.String("output", "", "write to `FILE` instead of standard output")
	merge := fs.Bool("merge", false, "merge the report.json files given as arguments (the shards of one run) into one report, rendered in --format")
	mutants := fs.String("mutants", "", "a mutants.json (from tenantfuzz mutants) whose kill matrix the report shows (default: the report's own, else mutants.json beside it)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: tenantfuzz report --from report.json [--format html|md|sarif|junit|json|text|schema] [--output FILE]\n       tenantfuzz report --merge [--format json] shard1/report.json shard2/report.json ...\n\nRenders a run's report.json again in any format, or merges the reports of a sharded run. Exit 0, or 2 on a usage or read error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	conciseUsage(fs, "report", args, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tenantfuzz report: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 && !*merge {
		return fail("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	var out []byte
	if *merge {
		if fs.NArg() < 1 {
			return fail("--merge needs the shards' report.json files as arguments")
		}
		var reps []*reports.Report
		for _, path := range fs.Args() {
			r, err := reports.Load(path)
			if err != nil {
				return fail("%v", err)
			}
			reps = append(reps, r)
		}
		merged, err := reports.Merge(reps)
		if err != nil {
			return fail("%v", err)
		}
		raw, err := merged.JSON()
		if err != nil {
			return fail("%v", err)
		}
		if out, err = merged.Render(*format, raw); err != nil {
			return fail("%v", err)
		}
	} else if *format == "schema" {
		out = reports.JSONSchema
	} else {
		if *from == "" {
			return fail("--from is required: the report.json a run wrote (tenantfuzz-report/report.json by default)")
		}
		raw, err := os.ReadFile(*from)
		if err != nil {
			return fail("read report: %v (check the --from path)", err)
		}
		rep, err := reports.Parse(raw, *from)
		if err != nil {
			return fail("%v", err)
		}
		switch {
		case *mutants != "":
			if rep.Mutants, err = reports.LoadMatrix(*mutants); err != nil {
				return fail("%v", err)
			}
		case rep.Mutants == nil:
			if rep.Mutants, err = reports.FindMatrix(filepath.Dir(*from)); err != nil {
				return fail("%v", err)
			}
		}
		if out, err = rep.Render(*format, raw); err != nil {
			return fail("%v", err)
		}
	}
	var err error
	if *output == "" {
		_, err = stdout.Write(out)
	} else {
		err = os.WriteFile(*output, out, 0o644)
	}
	if err != nil {
		return fail("write %s: %v (check the --output path)", *format, err)
	}
	return exitOK
}
