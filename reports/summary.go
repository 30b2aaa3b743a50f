package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// WriteSummary prints the human summary: a table of scenarios, totals, and
// every finding with its replay command.
func (r *Report) WriteSummary(w io.Writer, scripts []string) {
	fmt.Fprintf(w, "\ntenantfuzz %s  profile %s  seed %d\n", r.Tool.Version, r.Run.Profile, r.Run.Seed)
	overlays := "none"
	if len(r.Target.Overlays) > 0 {
		overlays = strings.Join(r.Target.Overlays, ", ")
	}
	fmt.Fprintf(w, "target: %s schema (sha256 %.12s), overlays: %s, PostgreSQL %s (%s), app role %s\n",
		r.Target.Schema, r.Target.SHA256, overlays, r.Run.PostgresVersion, r.Run.Provider, r.Target.AppRole)
	for _, u := range r.Unverified() {
		fmt.Fprintf(w, "backend: %s %s is not verified in CI (%s)\n", u.Layer, u.Name, u.How)
	}
	if l := r.schemaFilesLine(); l != "" {
		fmt.Fprintf(w, "schema: %s\n", l)
	}
	if r.Scope.TenancyModel != "" {
		fmt.Fprintf(w, "tenancy: %s\n", r.Scope.TenancyModel)
	}
	if l := r.tenancyLine(); l != "" {
		fmt.Fprintf(w, "tables: %s\n", l)
	}
	if l := r.largeWorld(); l != "" {
		fmt.Fprintf(w, "large world: %s\n", l)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "property\trelation\tchecks\tstatements\trows\treached foreign\tdiscarded\tfindings\tresult\t")
	for _, s := range r.Scenarios {
		verdict := map[string]string{verdictPass: "ok", verdictLeak: "LEAK", verdictError: "ERROR", verdictBlind: "BLIND", verdictNotApplicable: "n/a"}[s.Verdict]
		if s.Verdict == verdictPass && s.Result.Partial() {
			verdict = "ok, " + s.Result.PartialText()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", s.Property, s.Relation, s.Checks, s.Statements, s.Rows, s.Reached, s.Discarded, len(s.Findings), verdict)
	}
	tw.Flush()
	t := r.Totals
	if a := r.Audit; a != nil {
		fmt.Fprintf(w, "\nstatic audit: %d results (%d high, %d medium, %d low)", len(a.Results), a.Counts.High, a.Counts.Medium, a.Counts.Low)
		for i, res := range a.Results {
			if i == 10 {
				fmt.Fprintf(w, "\n  ... %d more in report.json", len(a.Results)-10)
				break
			}
			fmt.Fprintf(w, "\n  %s [%s] %s: %s", res.Check, res.Severity, res.Object, res.Title)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n%d scenarios, %d checks, %d statements, %d rows examined: %d findings, %d errors in %.1fs\n",
		t.Scenarios, t.Checks, t.Statements, t.Rows, t.Findings, t.Errors, r.Run.Seconds)
	for _, s := range r.Scenarios {
		if s.Error != "" {
			fmt.Fprintf(w, "\nERROR %s: %s\n", s.Name, s.Error)
		}
	}
	for i, f := range r.Findings {
		fmt.Fprintf(w, "\nFINDING %d: %s\n", i+1, f.String())
		if f.Family != "" {
			fmt.Fprintf(w, "  family:    %s (%s)\n", f.Family, harness.LeaksRef(f.Leaks...))
		}
		if f.Location != nil {
			fmt.Fprintf(w, "  where:     %s:%d (%s)\n", f.Location.File, f.Location.Line, f.Location.Basis)
		}
		if len(f.Audit) > 0 {
			fmt.Fprintf(w, "  explained by the audit: %s\n", strings.Join(f.Audit, "; "))
		}
		for _, a := range f.Also {
			fmt.Fprintf(w, "  %s\n", a.Line())
		}
		if i < len(scripts) {
			fmt.Fprintf(w, "\n  %s: %s\n", f.ScriptTool(), scripts[i])
		}
	}
	for _, s := range r.Scenarios {
		if s.Verdict == verdictBlind {
			fmt.Fprintf(w, "\nBLIND %s: %s\n", s.Name, s.Reason)
		}
	}
	for _, s := range r.Scenarios {
		if s.Verdict == verdictPass && s.Result.Partial() {
			fmt.Fprintf(w, "\nPARTIAL %s: %s\n", s.Name, s.Result.PartialText())
		}
	}
	var na []string
	for _, s := range r.Scenarios {
		if s.Verdict == verdictNotApplicable {
			na = append(na, fmt.Sprintf("  %s: %s", s.Name, s.Reason))
		}
	}
	if len(na) > 0 {
		fmt.Fprintf(w, "\nnot applicable (%d):\n%s\n", len(na), strings.Join(na, "\n"))
	}
	if r.Run.Interrupted {
		var cut []string
		for _, p := range r.Scope.PropertiesSkipped {
			if p.Reason == skippedInterrupted {
				cut = append(cut, p.Property)
			}
		}
		if len(cut) > 0 {
			fmt.Fprintf(w, "\nnot run, interrupted (%d): %s\n", len(cut), strings.Join(cut, ", "))
		}
	}
	fmt.Fprintf(w, "\nRESULT: %s (%s)\n", t.Verdict, t.VerdictText)
}

// largeWorld describes the run's large world in one line ("" when off).
func (r *Report) largeWorld() string {
	if r.Run.Settings == nil || r.Run.Settings.LargeWorld == nil {
		return ""
	}
	l := r.Run.Settings.LargeWorld
	out := fmt.Sprintf("%d tenants, %d rows per tenant and table, %d checks per relation", l.Tenants, l.RowsPerTenant, l.Checks)
	if l.RowsLoaded > 0 {
		out += fmt.Sprintf("; %d rows bulk-loaded in %.1fs", l.RowsLoaded, l.LoadSeconds)
	}
	return out
}
