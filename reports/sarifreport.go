package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
)

// InformationURI is where SARIF consumers send readers for the tool.
const InformationURI = "https://github.com/tenantfuzz/tenantfuzz"

// SARIF turns the report into a SARIF log: the static audit's rules and
// results, then one rule per finding kind (its id is the kind, stable
// across runs and versions) and one result per finding, located at the
// statement its defect lives in (see Finding.Location). Results without
// a file of their own are placed at line 1 of the first schema file: code
// scanning rejects a log in which any result lacks a physical location.
func (r *Report) SARIF() SARIFLog {
	l := SARIFLog{ToolName: r.Tool.Name, ToolVersion: r.Tool.Version, InformationURI: InformationURI}
	if l.ToolName == "" {
		l.ToolName = "tenantfuzz"
	}
	if r.Audit != nil {
		a := AuditSARIF(r.Audit)
		l.Rules, l.Results = a.Rules, a.Results
	}
	for _, k := range Kinds {
		l.Rules = append(l.Rules, kindRule(k))
	}
	known := map[string]bool{}
	for _, rule := range l.Rules {
		known[rule.ID] = true
	}
	for _, f := range r.Findings {
		if !known[f.Rule] {
			l.Rules = append(l.Rules, kindRule(kindInfo(f.Kind)))
			known[f.Rule] = true
		}
		res := SARIFResult{
			RuleID: f.Rule, Severity: f.Severity,
			Message:     fmt.Sprintf("%s. Replay: %s (%s %s)", f.Summary(), f.Replay, f.ScriptTool(), f.ScriptFile),
			Object:      "relation " + f.Relation,
			Fingerprint: f.Rule + " " + f.Property + " " + f.Relation,
			Properties: map[string]any{"property": f.Property, "relation": f.Relation, "scenario": f.Scenario, "seed": f.Seed,
				"replay": f.Replay, "statement": f.Statement, "family": f.Family, "leaks": f.Leaks, "controls": f.Controls, "finding": f.ID},
		}
		if f.Location != nil {
			res.File, res.Line = f.Location.File, f.Location.Line
			res.Properties["location_basis"] = f.Location.Basis
		}
		l.Results = append(l.Results, res)
	}
	if len(r.Target.Files) > 0 {
		l.FallbackFile = r.Target.Files[0].Name
	}
	return l
}

// WriteSARIF writes the report as SARIF 2.1.0.
func (r *Report) WriteSARIF(w io.Writer) error { return WriteSARIF(w, r.SARIF()) }

// kindRule is a finding kind as a SARIF rule.
func kindRule(k KindInfo) SARIFRule {
	tags := []string{"tenant-isolation"}
	if len(k.Leaks) > 0 {
		tags = append(tags, FamilyOf(k.Leaks[0]), harness.LeaksRef(k.Leaks...))
	}
	return SARIFRule{ID: string(k.Kind), Name: string(k.Kind), Title: k.Title, Help: k.Help, HelpURI: InformationURI + "#what-a-finding-looks-like",
		Severity: k.severity(), Tags: tags}
}

// AuditSARIF turns an audit report into a SARIF log: one rule per check
// that ran (id, name, title, rationale and fix as help, docs/leaks.md entries
// as tags), one result per audit result, located in the schema or
// overlay file that created the object.
func AuditSARIF(rep *audit.Report) SARIFLog {
	l := SARIFLog{ToolName: "tenantfuzz", InformationURI: InformationURI}
	for _, id := range rep.Checks {
		c := audit.CheckByID(id)
		if c == nil {
			continue
		}
		l.Rules = append(l.Rules, SARIFRule{
			ID: c.ID, Name: c.Name, Title: c.Title, Severity: c.Severity,
			Help: c.Rationale + "\nFix: " + c.Fix + "\nSee " + c.LeaksRef() + ".",
			Tags: []string{"tenant-isolation", strings.ReplaceAll(c.LeaksRef(), ", ", ",")},
		})
	}
	for _, x := range rep.Results {
		props := map[string]any{"leaks": x.Leaks}
		if x.Relation != "" {
			props["relation"] = x.Relation
		}
		l.Results = append(l.Results, SARIFResult{
			RuleID: x.Check, Severity: x.Severity, Message: x.Message + ". Fix: " + x.Fix,
			File: x.File, Line: x.Line, Object: x.Object, Fingerprint: x.Key(), Properties: props,
		})
	}
	return l
}
