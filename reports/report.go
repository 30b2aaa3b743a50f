// Package reports turns a run's results into what its readers need:
// report.json (the versioned record every other format is rendered from,
// described by report.schema.json), junit.xml for CI systems, report.sarif
// for code scanning, report.html for auditors, summary.md for a CI step
// summary, a text summary for the terminal, a psql-runnable script per
// finding, and an evidence bundle with a manifest of digests.
package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
)

// SchemaVersion is the version of report.json's format. Additions keep it;
// it is bumped only when a field changes meaning or disappears.
// report.schema.json documents every version this package reads.
const SchemaVersion = 2

// Report is the content of report.json.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	Run           Run    `json:"run"`
	Target        Target `json:"target"`
	Scope         Scope  `json:"scope"`
	// Properties sum the scenarios of each property that ran.
	Properties []PropertySummary `json:"properties"`
	Scenarios  []Scenario        `json:"scenarios"`
	Findings   []Finding         `json:"findings"`
	// Controls are the SOC 2 criteria the run bears on, with the evidence
	// for each and its status.
	Controls []Control `json:"controls"`
	// Audit is the static audit run before the properties.
	Audit *audit.Report `json:"audit,omitempty"`
	// Mutants is the kill matrix of a `tenantfuzz mutants` run, when one
	// was found in the report directory.
	Mutants *Matrix `json:"mutants,omitempty"`
	Totals  Totals  `json:"totals"`
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
	Machine         string    `json:"machine"` // one line: "linux/amd64, 2 CPUs"
	ExitCode        int       `json:"exit_code"`
	// Interrupted is set when a signal (Signal: SIGINT, SIGTERM) stopped
	// the run: its evidence is partial and ExitCode is 128 + the signal.
	Interrupted bool   `json:"interrupted,omitempty"`
	Signal      string `json:"signal,omitempty"`
	// Host details the machine (no host name, no user).
	Host *Host `json:"host,omitempty"`
	// Command reproduces the run (secrets such as a DSN appear as
	// environment variable references).
	Command string `json:"command,omitempty"`
	// Settings are the sizes the run used (profile plus flags).
	Settings *Settings `json:"settings,omitempty"`
	// ShowValues is set when database values were left in the evidence.
	ShowValues bool `json:"show_values"`
	// Shard is "i/n" for one shard of a sharded run ("" otherwise).
	Shard string `json:"shard,omitempty"`
	// Backends are the backends the run used (PostgreSQL provider, vector
	// store), each with whether this build's CI verified it (Backends).
	Backends []Backend `json:"backends,omitempty"`
}

// Host describes the machine a run used.
type Host struct {
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model,omitempty"`
	MemoryMB int    `json:"memory_mb,omitempty"`
}

// Settings are the sizes of a run.
type Settings struct {
	Checks        int      `json:"checks"`     // per property and subject
	Tenants       [2]int   `json:"tenants"`    // [min, max] per world
	Rows          int      `json:"rows"`       // max rows per tenant and table
	Statements    int      `json:"statements"` // max statements per check
	BudgetSeconds float64  `json:"budget_seconds"`
	ShrinkSeconds float64  `json:"shrink_seconds"`
	Labels        string   `json:"labels"` // the Ginkgo label filter
	Property      string   `json:"property,omitempty"`
	Relation      string   `json:"relation,omitempty"`
	Reports       []string `json:"reports,omitempty"`
	// LargeWorld sizes the large-world property's world (nil: off).
	LargeWorld *LargeWorld `json:"large_world,omitempty"`
}

// LargeWorld is the persistent large world of a run: its size, and what
// loading it took when it was loaded.
type LargeWorld struct {
	Tenants       int     `json:"tenants"`
	RowsPerTenant int     `json:"rows_per_tenant"`
	Checks        int     `json:"checks"`
	RowsLoaded    int64   `json:"rows_loaded,omitempty"`
	LoadSeconds   float64 `json:"load_seconds,omitempty"`
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
	// Files are the schema and overlay files as applied, in order.
	Files []SourceFile `json:"files,omitempty"`
}

// SourceFile is one SQL file of the target.
type SourceFile struct {
	Name   string `json:"name"` // relative to the working directory when under it
	Role   string `json:"role"` // "schema" or "overlay"
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// Scenario is one spec: a property on a subject (a relation, a vector
// mode, a pool size ...).
type Scenario struct {
	Name string `json:"name"` // "<property> <subject>", stable across runs
	harness.Result
	Passed bool   `json:"passed"`
	Error  string `json:"error,omitempty"`
	// Verdict is pass, leak, blind (the probes could not have seen a leak,
	// or the tenant never saw its own rows: Reason says why), not
	// applicable (Reason says why) or error.
	Verdict  string   `json:"verdict,omitempty"`
	Controls []string `json:"controls,omitempty"`
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
	// Properties counts the properties that ran; Blind the scenarios that
	// proved nothing; NotApplicable those a property does not apply to.
	Properties    int `json:"properties"`
	Blind         int `json:"blind"`
	NotApplicable int `json:"not_applicable"`
	// Partial counts the passing scenarios the time budget cut short
	// (fewer checks than planned): a profile with partial_fails fails the
	// gate on them (exit 2).
	Partial int `json:"partial,omitempty"`
	// Verdict is PASS, LEAK, FAIL (static audit over --fail-on-audit),
	// BLIND or ERROR; VerdictText says it in a sentence.
	Verdict     string `json:"verdict,omitempty"`
	VerdictText string `json:"verdict_text,omitempty"`
}

// JSON encodes the report as written to report.json.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteJSON writes report.json into dir.
func (r *Report) WriteJSON(dir string) (string, error) {
	b, err := r.JSON()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	return path, nil
}

// WriteScripts writes one repro-N.sql (repro-N.sh, a curl command, for an
// API finding) per finding into dir and returns the paths, in finding
// order. Scripts an earlier run left there that are not this run's are
// removed: they would pass for this run's.
func (r *Report) WriteScripts(dir string) ([]string, error) {
	var out []string
	for i, f := range r.Findings {
		path := filepath.Join(dir, scriptName(i, f.Kind))
		if err := os.WriteFile(path, []byte(f.Script), 0o644); err != nil {
			return out, fmt.Errorf("write repro script: %w", err)
		}
		out = append(out, path)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "repro-*.sql"))
	sh, _ := filepath.Glob(filepath.Join(dir, "repro-*.sh"))
	for _, p := range append(old, sh...) {
		var n int
		ext := filepath.Ext(p)
		if _, err := fmt.Sscanf(filepath.Base(p), "repro-%d"+ext, &n); err == nil && fmt.Sprintf("repro-%d%s", n, ext) == filepath.Base(p) &&
			n >= 1 && (n > len(r.Findings) || scriptName(n-1, r.Findings[n-1].Kind) != filepath.Base(p)) {
			if err := os.Remove(p); err != nil {
				return out, fmt.Errorf("remove stale repro script: %w", err)
			}
		}
	}
	return out, nil
}

// Load reads a report.json.
func Load(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	return Parse(b, path)
}

// Parse reads report.json's content; name names it in errors.
func Parse(b []byte, name string) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read report %s: %w", name, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("read report %s: schema_version %d, this tenantfuzz reads %d", name, r.SchemaVersion, SchemaVersion)
	}
	r.derive()
	return &r, nil
}
