package reports

import (
	"fmt"
	"runtime"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
)

// Input is what a report is built from.
type Input struct {
	Version string
	Run     Run
	Target  Target
	// TG is the target the run used; nil leaves the scope, file digests
	// and finding locations empty.
	TG      *harness.Target
	Results []*harness.Result
	Audit   *audit.Report
	// Mutants is a kill matrix to include (see LoadMatrix).
	Mutants *Matrix
	// SourceRoot is the directory file names are written relative to (the
	// working directory, where code scanning expects repository paths);
	// "" keeps them as given.
	SourceRoot string
}

// Build assembles a report: scenarios and totals from the results, then
// what is derived from them (properties, controls, verdict), the scope
// and file digests from the target, and for each finding its docs/leaks.md
// family, controls, the audit results that explain it and where in the
// schema files it lives.
func Build(in Input) *Report {
	run := in.Run
	run.GoVersion = runtime.Version()
	run.Host = hostInfo()
	run.Machine = fmt.Sprintf("%s/%s, %d CPUs", run.Host.OS, run.Host.Arch, run.Host.CPUs)
	if run.Backends == nil {
		run.Backends = runBackends(run.Provider, in.Target.Vector)
	}
	r := &Report{SchemaVersion: SchemaVersion, Tool: Tool{"tenantfuzz", in.Version}, Run: run, Target: in.Target,
		Findings: []Finding{}, Audit: in.Audit, Mutants: in.Mutants}
	if r.Audit != nil {
		r.Audit = relativeAudit(r.Audit, in.SourceRoot)
	}
	for _, res := range in.Results {
		sc := Scenario{Name: res.Property + " " + res.Relation, Result: *res}
		if res.Err != nil {
			sc.Error = res.Err.Error()
		}
		if sc.Result.Findings == nil {
			sc.Result.Findings = []*harness.Finding{}
		}
		r.Scenarios = append(r.Scenarios, sc)
		for _, f := range res.Findings {
			r.Findings = append(r.Findings, Finding{Finding: *f, Scenario: sc.Name})
		}
	}
	r.Findings = group(r.Findings, in.TG)
	if in.TG != nil {
		r.Target.Files = sourceFiles(in.TG, in.SourceRoot)
		r.Scope = scopeOf(in.TG, r.Scenarios, r.Run)
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if r.Audit != nil && len(f.Audit) == 0 {
			for _, x := range r.Audit.Related(f.Relation) {
				f.Audit = append(f.Audit, x.Key())
			}
		}
		classify(f, r.Audit, in.TG)
		f.Location = locate(f, r.Audit, in.TG, in.SourceRoot)
	}
	r.derive()
	return r
}

// derive fills what follows from the scenarios and findings alone:
// verdicts, totals, finding ids, property summaries and controls. Parse
// runs it too, so reports written before these fields existed render.
func (r *Report) derive() {
	r.Totals = Totals{}
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		s.Verdict = scenarioVerdict(s)
		s.Passed = s.Verdict == verdictPass || s.Verdict == verdictNotApplicable
		s.Controls = controlsOf(s.Property)
		r.Totals.Scenarios++
		r.Totals.Checks += s.Checks
		r.Totals.Statements += s.Statements
		r.Totals.Rows += s.Rows
		switch s.Verdict {
		case verdictError:
			r.Totals.Errors++
		case verdictBlind:
			r.Totals.Blind++
		case verdictNotApplicable:
			r.Totals.NotApplicable++
		case verdictPass:
			if s.Result.Partial() {
				r.Totals.Partial++
			}
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.ID = i + 1
		f.ScriptFile = scriptName(i, f.Kind)
		if f.Rule == "" {
			classify(f, r.Audit, nil)
		}
	}
	r.Totals.Findings = len(r.Findings)
	r.Totals.Passed = r.Totals.Findings == 0 && r.Totals.Errors == 0 && r.Totals.Blind == 0 && r.Totals.Scenarios > r.Totals.NotApplicable
	r.Properties = summarize(r.Scenarios)
	r.Totals.Properties = len(r.Properties)
	v := r.verdict()
	r.Totals.Verdict, r.Totals.VerdictText = v.Word, v.Text
	r.Controls = evaluateControls(r)
}

// SetExitCode records the run's exit code and refreshes the verdict and
// controls, which depend on it (a static audit over --fail-on-audit).
func (r *Report) SetExitCode(code int) {
	r.Run.ExitCode = code
	r.derive()
}
