package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/properties"
)

// Control is one SOC 2 criterion with the run's evidence for it, as an
// InSpec control carries its results: what it asks, which properties and
// checks bear on it, and the outcome.
type Control struct {
	ID          string `json:"id"`        // "CC6.1"
	Framework   string `json:"framework"` // "SOC 2"
	Title       string `json:"title"`
	Requirement string `json:"requirement"` // what the criterion asks, in this tool's terms
	// Status is pass, fail (findings or results against it), error (some
	// of its evidence could not be produced), interrupted (a signal
	// stopped the run before its evidence was complete), partial (part of
	// the evidence the criterion names is absent: CC7.1 without a kill
	// matrix) or not-tested.
	Status     string   `json:"status"`
	Properties []string `json:"properties"` // properties that ran and bear on it
	Scenarios  int      `json:"scenarios"`
	Checks     int      `json:"checks"`
	Findings   int      `json:"findings"`
	// Evidence lists, in sentences, what in this run supports the status.
	Evidence []string `json:"evidence"`
}

// controlDef is a control of the registry.
type controlDef struct {
	id, title, requirement string
	// extra are properties that bear on it besides those labelled
	// soc2:<id>.
	extra []string
}

// controlDefs is the registry of the SOC 2 criteria reports map to.
var controlDefs = []controlDef{
	{"CC6.1", "Logical access security",
		"Access to each tenant's data is restricted to that tenant: row-level security and the tenant context keep every read and write within the tenant, with no context failing closed.", nil},
	{"CC6.6", "Threats from outside the system boundary",
		"Input from outside (tenant ids from requests and tokens, SQL a tenant may send, an external vector store) cannot cross the tenant boundary.",
		[]string{"hostile-ids", "role-tricks", "hostile-hosts", "vector-read-isolation", "vector-write-isolation", "vector-sql-agreement"}},
	{"CC7.1", "Detection of vulnerabilities and configuration changes",
		"Configurations that introduce isolation vulnerabilities are detected: the static audit of the catalog, version-gated regression checks, and seeded defects that the harness must catch.", nil},
	{"CC8.1", "Change management: changes are tested",
		"Each change to the schema is tested before release: this run tested the schema digest shown, reproducibly from its seed, with a pass/fail verdict a CI gate enforces.", nil},
}

// controlsOf lists the controls a property bears on: its soc2: labels,
// then the registry's extra mappings.
func controlsOf(property string) []string {
	var out []string
	for _, l := range propertyLabels(property) {
		if id, ok := strings.CutPrefix(l, "soc2:"); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, c := range controlDefs {
		if slices.Contains(c.extra, property) && !slices.Contains(out, c.id) {
			out = append(out, c.id)
		}
	}
	return out
}

// findingControls are the controls a finding bears on: its property's,
// and CC8.1, since a leak fails the change gate.
func findingControls(f *Finding) []string {
	out := controlsOf(f.Property)
	if !slices.Contains(out, "CC8.1") {
		out = append(out, "CC8.1")
	}
	return out
}

// propertyInfo is what reports need of a property of any registry.
type propertyInfo struct {
	name, title string
	labels      []string
}

// allProperties lists the properties of the registry, in its order.
func allProperties() []propertyInfo {
	var out []propertyInfo
	for _, p := range properties.All {
		out = append(out, propertyInfo{p.Name, p.Title, p.Labels})
	}
	return out
}

func findProperty(name string) propertyInfo {
	for _, p := range allProperties() {
		if p.name == name {
			return p
		}
	}
	return propertyInfo{name: name}
}

// propertyLabels returns a property's Ginkgo labels.
func propertyLabels(name string) []string { return findProperty(name).labels }

// propertyTitle returns a property's one-line title.
func propertyTitle(name string) string { return findProperty(name).title }

// evaluateControls states each control's status and evidence from the
// report.
func evaluateControls(r *Report) []Control {
	var out []Control
	for _, d := range controlDefs {
		c := Control{ID: d.id, Framework: "SOC 2", Title: d.title, Requirement: d.requirement, Properties: []string{}, Evidence: []string{}}
		errs := 0
		for _, p := range r.Properties {
			if !slices.Contains(p.Controls, d.id) {
				continue
			}
			c.Properties = append(c.Properties, p.Name)
			c.Scenarios += p.Scenarios
			c.Checks += p.Checks
			c.Findings += p.Findings
			errs += p.Errors
		}
		if len(c.Properties) > 0 {
			c.Evidence = append(c.Evidence, fmt.Sprintf("%s in %s of %s: %s, %s",
				plural(c.Checks, "check"), plural(c.Scenarios, "scenario"), strings.Join(c.Properties, ", "), plural(c.Findings, "finding"), plural(errs, "error")))
		}
		switch d.id {
		case "CC7.1":
			errs += evidenceCC71(r, &c)
		case "CC8.1":
			c.Findings, errs = r.Totals.Findings, r.Totals.Errors
			c.Properties = propertyNames(r.Properties)
			c.Scenarios, c.Checks = r.Totals.Scenarios, r.Totals.Checks
			c.Evidence = evidenceCC81(r)
		}
		switch {
		case c.Findings > 0:
			c.Status = "fail"
		case errs > 0:
			c.Status = "error"
		case c.Scenarios == 0 && len(c.Evidence) == 0:
			c.Status = "not-tested"
			c.Evidence = append(c.Evidence, "no property of this run bears on it")
		case d.id == "CC7.1" && r.Mutants != nil && r.Mutants.Mismatch(r.Tool.Version, r.Target.SHA256) != "":
			c.Status = "partial" // evidenceCC71 said why the matrix does not back this run
		case d.id == "CC7.1" && r.Mutants == nil:
			// The criterion names seeded defects: the static audit alone
			// is not the evidence it asks for.
			c.Status = "partial"
			c.Evidence = append(c.Evidence, "no kill matrix backs this run: the seeded defects the criterion names were not run (tenantfuzz mutants writes mutants.json into the report directory, and the next run's report includes it)")
		case r.Run.Interrupted:
			c.Status = "interrupted" // never pass on partial evidence
			c.Evidence = append(c.Evidence, r.Run.Signal+" interrupted the run: this evidence is partial")
		default:
			c.Status = "pass"
		}
		out = append(out, c)
	}
	return out
}

// evidenceCC71 adds the static audit and the kill matrix to CC7.1: high
// audit results count as findings against it, a mutant that survived as
// an error of the detection itself. It returns the errors it found.
func evidenceCC71(r *Report, c *Control) int {
	errs := 0
	if a := r.Audit; a != nil {
		c.Evidence = append(c.Evidence, fmt.Sprintf("static audit: %s over the catalog as application role %s, %s (%d high, %d medium, %d low)",
			plural(len(a.Checks), "check"), a.AppRole, plural(len(a.Results), "result"), a.Counts.High, a.Counts.Medium, a.Counts.Low))
		c.Findings += a.Counts.High
	}
	if m := r.Mutants; m != nil && m.Mismatch(r.Tool.Version, r.Target.SHA256) != "" {
		c.Evidence = append(c.Evidence, fmt.Sprintf("the kill matrix %s (sha256 %.12s) does not back this run: %s; a kill matrix backs only runs of the tool version that made it on the schema it tested (tenantfuzz mutants tests the reference schema)",
			m.Source, m.SHA256, m.Mismatch(r.Tool.Version, r.Target.SHA256)))
	} else if m != nil {
		c.Evidence = append(c.Evidence, fmt.Sprintf("kill matrix: %d of %d seeded defects found as expected, median time to detection %.2fs", m.Killed, m.Total, m.MedianSeconds))
		if m.Killed < m.Total || !m.ReferenceClean() {
			errs++
		}
	}
	if r.Run.PostgresVersion != "" {
		c.Evidence = append(c.Evidence, "PostgreSQL "+r.Run.PostgresVersion+" recorded for version-gated checks (plan-cache and MERGE regressions)")
	}
	return errs
}

// evidenceCC81 describes the run as a tested change.
func evidenceCC81(r *Report) []string {
	files := []string{}
	for _, f := range r.Target.Files {
		files = append(files, f.Name)
	}
	target := r.Target.Schema + " schema"
	if len(files) > 0 {
		target = strings.Join(files, ", ")
	}
	return []string{
		fmt.Sprintf("tested %s (sha256 %s) on %s", target, r.Target.SHA256, r.Run.Started.UTC().Format("2006-01-02 15:04 UTC")),
		fmt.Sprintf("%s in %s: %s (exit code %d)", plural(r.Totals.Checks, "check"), plural(r.Totals.Scenarios, "scenario"), r.Totals.VerdictText, r.Run.ExitCode),
		fmt.Sprintf("reproducible from seed %d: %s", r.Run.Seed, r.ReproduceCommand()),
		fmt.Sprintf("what one run proves: the verdict holds for the %s this seed drew on this schema digest and PostgreSQL %s, each in a rolled-back transaction; it is a test, not a proof over all inputs: another seed draws other worlds and statements", plural(r.Totals.Checks, "check"), r.Run.PostgresVersion),
	}
}

func propertyNames(ps []PropertySummary) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// ReproduceCommand is the command that runs the same checks again.
func (r *Report) ReproduceCommand() string {
	if r.Run.Command != "" {
		return r.Run.Command
	}
	return fmt.Sprintf("tenantfuzz run --profile %s --seed %d", r.Run.Profile, r.Run.Seed)
}
