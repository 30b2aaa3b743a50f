// Package reports turns a run's results into what its readers need: a
// versioned report.json for machines, a text summary for people, and a
// psql-runnable script per finding. (The JUnit file is written by the
// scenarios package through Ginkgo's reporter.)
package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
)

// SchemaVersion is the version of report.json's format. Bump it on any
// incompatible change.
const SchemaVersion = 1

// Report is the content of report.json.
type Report struct {
	SchemaVersion int               `json:"schema_version"`
	Tool          Tool              `json:"tool"`
	Run           Run               `json:"run"`
	Target        Target            `json:"target"`
	Scope         Scope             `json:"scope"`
	Scenarios     []Scenario        `json:"scenarios"`
	Findings      []harness.Finding `json:"findings"`
	// Audit is the static audit run before the properties.
	Audit  *audit.Report `json:"audit,omitempty"`
	Totals Totals        `json:"totals"`
}

// Tool names the producer.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Run describes the run itself.
type Run struct {
	Started         time.Time `json:"started"`
	Finished        time.Time `json:"finished"`
	Seconds         float64   `json:"seconds"`
	Seed            uint64    `json:"seed"`
	Profile         string    `json:"profile"`
	GoVersion       string    `json:"go_version"`
	PostgresVersion string    `json:"postgres_version"`
	Provider        string    `json:"provider"`
	Machine         string    `json:"machine"`
	ExitCode        int       `json:"exit_code"`
}

// Target describes what was tested.
type Target struct {
	Schema       string   `json:"schema"` // "reference" or the path given
	SHA256       string   `json:"sha256"` // over schema and overlays
	Overlays     []string `json:"overlays"`
	AppRole      string   `json:"app_role"`
	TenantColumn string   `json:"tenant_column"`
	Context      string   `json:"context_strategy"`
	ContextSQL   string   `json:"context_sql"`
	Vector       string   `json:"vector_backend,omitempty"`
	VectorModes  []string `json:"vector_modes,omitempty"`
}

// Scope lists what the run covered.
type Scope struct {
	TenantTables []string `json:"tenant_tables"`
	Readable     []string `json:"readable_relations"`
}

// Scenario is one spec: a property on a relation.
type Scenario struct {
	Name string `json:"name"` // "<property> <relation>", stable across runs
	harness.Result
	Passed bool   `json:"passed"`
	Error  string `json:"error,omitempty"`
}

// Totals sum the scenarios.
type Totals struct {
	Scenarios  int  `json:"scenarios"`
	Checks     int  `json:"checks"`
	Statements int  `json:"statements"`
	Rows       int  `json:"rows"`
	Findings   int  `json:"findings"`
	Errors     int  `json:"errors"`
	Passed     bool `json:"passed"`
}

// New assembles a report from a run's results.
func New(version string, run Run, target Target, tg *harness.Target, results []*harness.Result) *Report {
	run.GoVersion = runtime.Version()
	run.Machine = fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	r := &Report{SchemaVersion: SchemaVersion, Tool: Tool{"tenantfuzz", version}, Run: run, Target: target, Findings: []harness.Finding{}}
	if tg != nil {
		for _, rel := range tg.Catalog.TenantTables() {
			r.Scope.TenantTables = append(r.Scope.TenantTables, rel.String())
		}
		for _, rel := range tg.Catalog.Readable() {
			r.Scope.Readable = append(r.Scope.Readable, rel.String())
		}
	}
	for _, res := range results {
		sc := Scenario{Name: res.Property + " " + res.Relation, Result: *res}
		if res.Err != nil {
			sc.Error = res.Err.Error()
			r.Totals.Errors++
		}
		sc.Passed = res.Err == nil && len(res.Findings) == 0
		if sc.Result.Findings == nil {
			sc.Result.Findings = []*harness.Finding{}
		}
		r.Scenarios = append(r.Scenarios, sc)
		for _, f := range res.Findings {
			r.Findings = append(r.Findings, *f)
		}
		r.Totals.Scenarios++
		r.Totals.Checks += res.Checks
		r.Totals.Statements += res.Statements
		r.Totals.Rows += res.Rows
	}
	r.Totals.Findings = len(r.Findings)
	r.Totals.Passed = r.Totals.Findings == 0 && r.Totals.Errors == 0 && r.Totals.Scenarios > 0
	return r
}

// WriteJSON writes report.json into dir.
func (r *Report) WriteJSON(dir string) (string, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode report: %w", err)
	}
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	return path, nil
}

// WriteScripts writes one repro-N.sql per finding into dir and returns the
// paths, in finding order.
func (r *Report) WriteScripts(dir string) ([]string, error) {
	var out []string
	for i, f := range r.Findings {
		path := filepath.Join(dir, fmt.Sprintf("repro-%d.sql", i+1))
		if err := os.WriteFile(path, []byte(f.Script), 0o644); err != nil {
			return out, fmt.Errorf("write repro script: %w", err)
		}
		out = append(out, path)
	}
	return out, nil
}

// Load reads a report.json.
func Load(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("read report %s: schema_version %d, this tenantfuzz reads %d", path, r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}
