package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Family is one section of docs/leaks.md, the catalogue of how tenant isolation
// fails: entries First..Last.
type Family struct {
	Name        string
	First, Last int
}

// Families are the sections of docs/leaks.md, in its order.
var Families = []Family{
	{"configuration and bypass", 1, 5},
	{"policy logic", 6, 10},
	{"objects that bypass RLS", 11, 18},
	{"session and tenant-context plumbing", 19, 24},
	{"side channels", 25, 30},
	{"vector stores", 31, 38},
	{"routing", 39, 40},
	{"references across tenants", 41, 42},
	{"the API layer", 43, 45},
	{"the API layer", 53, 56},
}

// FamilyOf names the family of a docs/leaks.md entry ("" when out of range).
func FamilyOf(entry int) string {
	for _, f := range Families {
		if entry >= f.First && entry <= f.Last {
			return f.Name
		}
	}
	return ""
}

// Finding is a harness finding with what reports add: an id, the rule
// (its kind), its docs/leaks.md family and entries, the controls it bears on,
// its location in the schema files and its script's file name.
type Finding struct {
	ID int `json:"id"` // 1-based, in report order; repro-<id>.sql (.sh for an API finding)
	harness.Finding
	// Scenario names the scenario that found it ("<property> <subject>").
	Scenario   string    `json:"scenario,omitempty"`
	Rule       string    `json:"rule_id"`
	Family     string    `json:"family"`
	Leaks      []int     `json:"leaks"`
	Controls   []string  `json:"controls"`
	Location   *Location `json:"location,omitempty"`
	ScriptFile string    `json:"script_file,omitempty"`
	// Also lists the other sightings of the same defect (see group).
	Also []Sighting `json:"also_seen,omitempty"`
}

// Location is where in the schema or overlay files a finding's defect
// lives.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Object string `json:"object,omitempty"` // e.g. "table documents"
	// Basis says how it was found: an audit result ("TFA001 table
	// documents") or the statement that created the object ("CREATE POLICY").
	Basis string `json:"basis"`
}

// contextKinds are the kinds whose defect lives in the context plumbing
// rather than in a relation's policies.
var contextKinds = []harness.Kind{harness.KindContextLeak, harness.KindContextInjection, harness.KindRoleTrick, harness.KindPlanCache}

// classify sets a finding's rule, docs/leaks.md entries, family and controls.
// The kind decides for context, side-channel, vector and routing kinds
// (KindInfo.Fixed); for reads
// and writes the audit results that explain the finding decide (an
// overlay that disabled RLS is configuration), then the kind of relation
// (a view, function or child table bypasses RLS), then the kind's default.
func classify(f *Finding, rep *audit.Report, tg *harness.Target) {
	info := kindInfo(f.Kind)
	f.Rule = string(f.Kind)
	f.Controls = findingControls(f)
	leaks := info.Leaks
	switch {
	case f.Property == harness.CrossReference.Name:
		// A write through a key another tenant's row made (a cascade, SET
		// NULL): the reference's entries, whatever the audit says.
		leaks = []int{41, 42}
	case !info.Fixed && !strings.HasPrefix(f.Relation, "vector:"):
		if l := auditLeaks(f, rep); len(l) > 0 {
			leaks = l
		} else if l := relationLeaks(f.Relation, tg); len(l) > 0 {
			leaks = l
		}
	}
	f.Leaks = append([]int{}, leaks...)
	if len(f.Leaks) > 0 {
		f.Family = FamilyOf(f.Leaks[0])
	}
}

// auditLeaks are the docs/leaks.md entries of the audit results about the
// finding's own relation, most severe first.
func auditLeaks(f *Finding, rep *audit.Report) []int {
	if rep == nil {
		return nil
	}
	var out []int
	for _, x := range rep.Results {
		if x.Relation == "" || x.Relation != f.Relation || !slices.Contains(f.Audit, x.Key()) {
			continue
		}
		for _, l := range x.Leaks {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// relationLeaks places a finding by the kind of its relation: views (11),
// functions (12), materialized views and foreign tables (13), partitions
// and inheritance children (14).
func relationLeaks(name string, tg *harness.Target) []int {
	if tg == nil {
		return nil
	}
	rel := tg.Catalog.Relation(name)
	if rel == nil {
		return nil
	}
	switch {
	case rel.Kind == catalog.KindView:
		return []int{11}
	case rel.Kind == catalog.KindFunction || rel.Function != nil:
		return []int{12}
	case rel.Kind == catalog.KindMatView || rel.Kind == catalog.KindForeign:
		return []int{13}
	case len(rel.Parents) > 0:
		return []int{14}
	}
	return nil
}

// Detail is the finding's summary without its "<kind> [<severity>] on
// <relation>: " lead, for formats that show those apart.
func (f *Finding) Detail() string {
	s := f.Summary()
	lead := fmt.Sprintf("%s [%s] on %s: ", f.Kind, f.Severity, f.Relation)
	return strings.TrimPrefix(s, lead)
}
