package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// markdownFindings is how many findings summary.md shows in full.
const markdownFindings = 5

// WriteMarkdown writes summary.md, for $GITHUB_STEP_SUMMARY or a pull
// request comment: the verdict, the table of properties, the static
// audit's counts, and the first findings with their replay commands.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	t := r.Totals
	icon := map[string]string{"PASS": "✅", "LEAK": "❌", "FAIL": "❌", "ERROR": "⚠️", "BLIND": "⚠️", "PARTIAL": "⚠️", "INTERRUPTED": "⏹️"}[t.Verdict]
	fmt.Fprintf(&b, "## %s tenantfuzz: %s\n\n%s.\n\n", icon, t.Verdict, capitalize(t.VerdictText))
	fmt.Fprintf(&b, "Profile `%s`, seed `%d`, %d scenarios, %d checks, %d statements, %d rows examined in %.1fs against %s (sha256 `%.12s`), PostgreSQL %s.\n\n",
		r.Run.Profile, r.Run.Seed, t.Scenarios, t.Checks, t.Statements, t.Rows, r.Run.Seconds, mdTarget(r), r.Target.SHA256, r.Run.PostgresVersion)
	if l := r.largeWorld(); l != "" {
		fmt.Fprintf(&b, "Large world: %s.\n\n", l)
	}
	for _, u := range r.Unverified() {
		fmt.Fprintf(&b, "⚠️ Backend %s `%s` is not verified in CI: %s.\n\n", u.Layer, u.Name, mdInline(u.How))
	}
	b.WriteString("| property | subjects | checks | statements | rows | reached foreign | findings | result |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, p := range r.Properties {
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %d | %d | %d | %s |\n", p.Name, len(p.Subjects), p.Checks, p.Statements, p.Rows, p.Reached, p.Findings, mdVerdict(p.Verdict))
	}
	if a := r.Audit; a != nil {
		fmt.Fprintf(&b, "\nStatic audit: %d results (%d high, %d medium, %d low).\n", len(a.Results), a.Counts.High, a.Counts.Medium, a.Counts.Low)
	}
	for _, s := range r.Scenarios {
		if s.Error != "" {
			fmt.Fprintf(&b, "\n**Error** in `%s`: %s\n", s.Name, mdInline(s.Error))
		}
	}
	if len(r.Findings) > 0 {
		shown := min(len(r.Findings), markdownFindings)
		fmt.Fprintf(&b, "\n### Findings (%d of %d)\n", shown, len(r.Findings))
		for _, f := range r.Findings[:shown] {
			fmt.Fprintf(&b, "\n%d. **%s** [%s] on `%s`: %s\n", f.ID, f.Kind, f.Severity, f.Relation, mdInline(f.Detail()))
			fmt.Fprintf(&b, "   - leak family: %s (%s); controls %s\n", f.Family, harness.LeaksRef(f.Leaks...), strings.Join(f.Controls, ", "))
			fmt.Fprintf(&b, "   - statement: `%s`\n", mdCode(f.Statement))
			if f.Location != nil {
				fmt.Fprintf(&b, "   - where: `%s:%d` (%s)\n", f.Location.File, f.Location.Line, f.Location.Basis)
			}
			fmt.Fprintf(&b, "   - %s: `%s`\n", f.ScriptTool(), f.ScriptFile)
			for _, a := range f.Also {
				fmt.Fprintf(&b, "   - %s\n", mdInline(a.Line()))
			}
			fmt.Fprintf(&b, "\n   ```sh\n   %s\n   ```\n", f.Replay)
		}
		if len(r.Findings) > shown {
			fmt.Fprintf(&b, "\n%d more findings in report.html and report.json.\n", len(r.Findings)-shown)
		}
	}
	b.WriteString("\nReports: `report.html` (evidence for auditors), `report.json`, `junit.xml`, `report.sarif`.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func mdTarget(r *Report) string {
	s := r.Target.Schema + " schema"
	if len(r.Target.Overlays) > 0 {
		s += " + " + strings.Join(r.Target.Overlays, ", ")
	}
	return s
}

func mdVerdict(v string) string {
	return map[string]string{verdictPass: "✅ pass", verdictLeak: "❌ leak", verdictError: "⚠️ error", verdictBlind: "⚠️ blind", verdictNotApplicable: "➖ not applicable"}[v]
}

// mdInline keeps text on one line and stops it from opening markup.
func mdInline(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'").Replace(s)
}

// mdCode keeps code on one line inside single backticks.
func mdCode(s string) string {
	return strings.NewReplacer("\n", " ", "`", "'").Replace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
