package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
)

//go:embed report.html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"join":  func(s []string, sep string) string { return strings.Join(s, sep) },
	"ints":  joinInts,
	"count": func(n int) string { return formatCount(float64(n)) },
	"secs":  func(s float64) string { return fmt.Sprintf("%.2fs", s) },
	"dur": func(s float64) string {
		return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
	},
	"short": func(s string) string { return s[:min(len(s), 12)] },
	"utc":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"verdict": func(v string) string {
		return map[string]string{verdictPass: "pass", verdictLeak: "leak", verdictError: "error", verdictBlind: "blind", verdictNotApplicable: "na"}[v]
	},
	"yes": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
}).Parse(htmlTemplate))

// htmlView is what the template renders.
type htmlView struct {
	*Report
	ReportSHA256 string // of report.json as written
	Class        string // pass, leak, fail, error
	Cards        []card
	Charts       []chart
	MutantChart  template.HTML
	KillRows     []killRow
	VectorOps    []string // "upsert 811", most used first
}

type card struct {
	Label, Value, Note string
	Alert              bool
}

type chart struct {
	Title, Caption string
	SVG            template.HTML
}

type killRow struct {
	mutant.Kill
	Result string
	OK     bool
}

// WriteHTML writes report.html: one self-contained page (inline CSS and
// SVG, no script, no external asset) for an auditor: the verdict, the SOC 2
// controls with their evidence, what was tested and how thoroughly, the
// findings with their minimal scripts, the kill matrix when present, and
// how to reproduce the run and verify report.json by its sha256
// (reportSHA256, "" when unknown).
func (r *Report) WriteHTML(w io.Writer, reportSHA256 string) error {
	v := htmlView{Report: r, ReportSHA256: reportSHA256, Class: strings.ToLower(r.Totals.Verdict)}
	if v.Class == "" {
		v.Class = "error"
	}
	t := r.Totals
	auditNote, auditValue, auditAlert := "not run", "–", false
	if a := r.Audit; a != nil {
		auditValue = formatCount(float64(len(a.Results)))
		auditNote = fmt.Sprintf("%d high, %d medium, %d low", a.Counts.High, a.Counts.Medium, a.Counts.Low)
		auditAlert = a.Counts.High > 0
	}
	v.Cards = []card{
		{"Scenarios", formatCount(float64(t.Scenarios)), fmt.Sprintf("%d properties", t.Properties), false},
		{"Checks", formatCount(float64(t.Checks)), "worlds or viewers drawn", false},
		{"Statements", formatCount(float64(t.Statements)), "run as the app role", false},
		{"Rows examined", formatCount(float64(t.Rows)), rowsNote(r.Scenarios), false},
		{"Findings", formatCount(float64(t.Findings)), fmt.Sprintf("%d errors", t.Errors), t.Findings > 0},
		{"Static audit", auditValue, auditNote, auditAlert},
	}
	v.Charts = r.charts()
	for _, b := range countBars(r.Scope.VectorOperations, 100, "") {
		v.VectorOps = append(v.VectorOps, b.Label+" "+formatCount(b.Value))
	}
	if m := r.Mutants; m != nil {
		var bars []bar
		for _, k := range m.Mutants {
			row := killRow{Kill: k}
			row.Result, row.OK = killResult(k)
			v.KillRows = append(v.KillRows, row)
			if isReference(k.Mutant) {
				continue
			}
			b := bar{Label: k.Mutant, Value: k.Seconds, Color: colorPass, Text: fmt.Sprintf("%.2fs", k.Seconds)}
			if !row.OK {
				b.Color, b.Text = colorLeak, row.Result
			}
			bars = append(bars, b)
		}
		v.MutantChart = barChart("Time to detect per seeded defect (seconds)", bars, m.MedianSeconds, fmt.Sprintf("median %.2fs", m.MedianSeconds))
	}
	if err := htmlPage.Execute(w, v); err != nil {
		return fmt.Errorf("render html report: %w", err)
	}
	return nil
}

// charts are the run's charts: checks per property, the statement mix,
// vector operations and findings by kind.
func (r *Report) charts() []chart {
	var checks []bar
	for _, p := range r.Properties {
		color := map[string]string{verdictPass: colorPass, verdictLeak: colorLeak, verdictError: colorError, verdictBlind: colorError, verdictNotApplicable: colorMuted}[p.Verdict]
		checks = append(checks, bar{Label: p.Name, Value: float64(p.Checks), Color: color})
	}
	out := []chart{
		{"Checks per property", "Generated worlds checked, summed over each property's subjects; colour shows the result (green pass, red leak, amber error).", barChart("Checks per property", checks, 0, "")},
		{"Statement mix", "Valid SQL statements run as the application role, by kind.", barChart("Statement mix", countBars(sqlKinds(r.Scenarios), 14, colorNeutra), 0, "")},
	}
	vectorOps := map[string]int{}
	for _, s := range r.Scenarios {
		if vectorProperty(s.Property) {
			harness.MergeCounts(&vectorOps, s.ByKind)
		}
	}
	if len(vectorOps) > 0 {
		out = append(out, chart{"Vector operations", "Calls to the vector store made as tenants, by operation.", barChart("Vector operations", countBars(vectorOps, 12, "#6b46c1"), 0, "")})
	}
	byKind := map[string]int{}
	sev := map[string]harness.Severity{}
	for _, f := range r.Findings {
		byKind[string(f.Kind)]++
		sev[string(f.Kind)] = f.Severity
	}
	var kinds []bar
	for _, b := range countBars(byKind, 20, "") {
		b.Color = severityColor(sev[b.Label])
		kinds = append(kinds, b)
	}
	sort.SliceStable(kinds, func(i, j int) bool { return kinds[i].Value > kinds[j].Value })
	svg := template.HTML(`<p class="empty">No findings.</p>`)
	if len(kinds) > 0 {
		svg = barChart("Findings by kind", kinds, 0, "")
	}
	out = append(out, chart{"Findings by kind", "Findings of this run by kind, coloured by severity.", svg})
	return out
}

func severityColor(s harness.Severity) string {
	switch s {
	case harness.SeverityCritical:
		return "#9b2c2c"
	case harness.SeverityHigh:
		return colorLeak
	case harness.SeverityMedium:
		return "#d69e2e"
	}
	return colorMuted
}

// killResult is a kill-matrix row's result in words, and whether it is
// what the matrix requires.
func killResult(k mutant.Kill) (string, bool) {
	switch {
	case k.Error != "":
		return "error", false
	case isReference(k.Mutant) && k.Findings > 0:
		return fmt.Sprintf("not clean (%d findings)", k.Findings), false
	case isReference(k.Mutant):
		return "clean", true
	case !k.Killed:
		return "survived", false
	case !k.AsExpected:
		return "killed, unexpectedly", false
	case !k.Replays:
		return "killed, no replay", false
	}
	return "killed", true
}

// rowsNote says how many of the rows examined were traced to a tenant:
// only those can prove or disprove a leak.
func rowsNote(scenarios []Scenario) string {
	rows, unattributed := 0, 0
	for _, s := range scenarios {
		rows += s.Rows
		unattributed += s.Unattributed
	}
	if unattributed == 0 {
		return "returned to tenants, all traced to their tenant"
	}
	return fmt.Sprintf("returned to tenants; %s traced, %s not (unattributed)", formatCount(float64(max(rows-unattributed, 0))), formatCount(float64(unattributed)))
}
