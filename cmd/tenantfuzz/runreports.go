package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/profile"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// runReportOptions are the run's flags about output: progress and the
// evidence bundle.
type runReportOptions struct {
	quiet    bool
	evidence string
}

func (ro *runReportOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&ro.quiet, "quiet", false, "no progress: neither the live line per property on a terminal nor the periodic log line elsewhere")
	fs.StringVar(&ro.evidence, "evidence", "", "also write an evidence bundle into `DIR`: every report format, the schema and overlays as tested, report.schema.json, and manifest.json and SHA256SUMS with the sha256 of each file")
}

// progress returns the progress display for the run, or nil: none with
// --quiet or -v (Ginkgo's verbose output takes the terminal); a live line
// per property on a terminal, a log line every few seconds elsewhere.
func (ro *runReportOptions) progress(o options, stdout io.Writer, checks int, large harness.LargeOptions, results func() []*harness.Result) *reports.Progress {
	if ro.quiet || o.verbose {
		return nil
	}
	p := &reports.Progress{W: stdout, Live: isTerminal(stdout), Budget: checks, Results: results}
	if large.Checks > 0 {
		p.Budgets = map[string]int{harness.LargeWorld.Name: large.Checks}
	}
	return p
}

// ginkgoCapture holds Ginkgo's console output while the specs run: the
// progress display and the summary replace it, unless -v asks for it.
type ginkgoCapture struct {
	saved io.Writer
	buf   *bytes.Buffer
}

// quietGinkgo diverts Ginkgo's default reporter (it writes to
// formatter.ColorableStdOut) into a buffer; verbose leaves it alone.
func quietGinkgo(verbose bool) *ginkgoCapture {
	if verbose {
		return &ginkgoCapture{}
	}
	c := &ginkgoCapture{saved: formatter.ColorableStdOut, buf: &bytes.Buffer{}}
	formatter.ColorableStdOut = c.buf
	return c
}

func (c *ginkgoCapture) restore() {
	if c.buf != nil {
		formatter.ColorableStdOut = c.saved
	}
}

// dump prints what Ginkgo said, secrets removed.
func (c *ginkgoCapture) dump(w io.Writer, secrets []string) {
	if c.buf == nil {
		return
	}
	s := c.buf.String()
	for _, x := range secrets {
		if len(x) >= 4 {
			s = strings.ReplaceAll(s, x, reports.Redacted)
		}
	}
	io.WriteString(w, s)
}

// runCommand is the command line that runs the same checks again (a
// replay's own line for a replay). A DSN stays in $TENANTFUZZ_DSN.
func runCommand(o options, replay bool) string {
	base := o.replayBase()
	if !replay {
		base = "tenantfuzz run" + strings.TrimPrefix(base, "tenantfuzz replay")
	}
	parts := []string{base}
	if o.profilesFile != "" {
		parts = append(parts, "--profiles "+harness.ShellQuote(o.profilesFile))
	}
	parts = append(parts, "--seed "+strconv.FormatUint(o.seed, 10))
	if o.checks > 0 {
		parts = append(parts, "--checks "+strconv.Itoa(o.checks))
	}
	for _, p := range o.properties {
		parts = append(parts, "--property "+harness.ShellQuote(p))
	}
	if o.relation != "" {
		parts = append(parts, "--relation "+harness.ShellQuote(o.relation))
	}
	if o.vectorMode != "" && o.vectorMode != "both" {
		parts = append(parts, "--vector-mode "+harness.ShellQuote(o.vectorMode))
	}
	if o.failOn != "" {
		parts = append(parts, "--fail-on-audit "+harness.ShellQuote(o.failOn))
	}
	return strings.Join(parts, " ")
}

// runSettings records the sizes the run used.
func runSettings(p *profile.Profile, checks int, o options, large harness.LargeOptions, loaded *harness.BulkWorld, largeRan bool) *reports.Settings {
	s := &reports.Settings{Checks: checks, Tenants: p.Tenants, Rows: p.Rows, Statements: p.Statements,
		BudgetSeconds: p.Budget.Seconds(), ShrinkSeconds: p.Shrink.Seconds(), Labels: p.Labels,
		Property: strings.Join(o.properties, ","), Relation: o.relation, Reports: p.Reports}
	if large.Tenants > 0 && largeRan { // sized but filtered out: no world to report
		s.LargeWorld = &reports.LargeWorld{Tenants: large.Tenants, RowsPerTenant: large.PerTenant, Checks: large.Checks}
		if loaded != nil {
			s.LargeWorld.RowsLoaded, s.LargeWorld.LoadSeconds = loaded.Total, loaded.Load.Seconds()
		}
	}
	return s
}

// secrets lists what must never reach a report or the console: the
// passwords of the DSNs in use (flag, $TENANTFUZZ_DSN, PG* variables,
// passfile) and a DSN that carries one, and the Pinecone API key.
func secrets(o options, db *pg.Database) []string {
	var out []string
	for _, dsn := range []string{o.dsn, os.Getenv("TENANTFUZZ_DSN"), db.DSN} {
		if dsn == "" {
			continue
		}
		if cfg, err := pgconn.ParseConfig(dsn); err == nil && cfg.Password != "" {
			out = append(out, dsn, cfg.Password)
		}
	}
	return append(out, os.Getenv("PGPASSWORD"), os.Getenv("PINECONE_API_KEY"))
}

// writeRunReports writes the profile's formats and the repro scripts
// into the report directory, prints the summary, appends summary.md to
// $GITHUB_STEP_SUMMARY on a GitHub runner, and writes the evidence
// bundle when asked.
func writeRunReports(rep *reports.Report, o options, ro runReportOptions, prof *profile.Profile, tg *harness.Target, replay bool, stdout io.Writer) error {
	formats := prof.Reports
	if len(formats) == 0 {
		formats = nil // all
	}
	files, err := rep.WriteAll(o.reportDir, formats)
	if err != nil {
		return err
	}
	var scripts, names []string
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "repro-") {
			scripts = append(scripts, f)
		} else {
			names = append(names, filepath.Base(f))
		}
	}
	rep.WriteSummary(stdout, scripts)
	if len(names) > 0 {
		fmt.Fprintf(stdout, "reports: %s in %s\n", strings.Join(names, ", "), o.reportDir)
	}
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" && !replay {
		if md, err := rep.Render("md", nil); err == nil {
			if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				f.Write(md)
				f.Close()
			}
		}
	}
	if ro.evidence == "" {
		return nil
	}
	att := reports.SQLAttachments(tg.Config.Schema, tg.Config.Overlays)
	if rep.Mutants != nil {
		if b, err := os.ReadFile(filepath.Join(o.reportDir, reports.MutantsFile)); err == nil {
			att = append(att, reports.Attachment{Name: reports.MutantsFile, Data: b})
		}
	}
	m, err := rep.WriteEvidence(ro.evidence, att)
	if err != nil {
		return err
	}
	mj, err := os.ReadFile(filepath.Join(ro.evidence, "manifest.json"))
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	fmt.Fprintf(stdout, "evidence: %d files in %s, manifest.json sha256 %s (verify with: cd %s && sha256sum -c SHA256SUMS)\n",
		len(m.Files)+2, ro.evidence, reports.Digest(mj), ro.evidence)
	return nil
}

// ranProperty reports whether some result is of the property.
func ranProperty(results []*harness.Result, property string) bool {
	for _, r := range results {
		if r.Property == property {
			return true
		}
	}
	return false
}
