package harness

import (
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// Stats count what a property did. Only the search for a failure counts:
// the re-runs rapid makes while shrinking a failure do not.
type Stats struct {
	Checks     int `json:"checks"`     // generated worlds checked
	Statements int `json:"statements"` // statements that ran as the tenant (valid ones)
	Rows       int `json:"rows"`       // rows returned to tenants and attributed
	Rejected   int `json:"rejected"`   // statements the system refused (privilege, RLS): passes
	Discarded  int `json:"discarded"`  // statements the generator got wrong: not counted as checks
	// TimedOut counts statements that hit the statement timeout as the
	// tenant although they ran as the admin (a slow policy shows here);
	// they are among the discarded too.
	TimedOut int `json:"timed_out,omitempty"`
	// Reached counts statements whose unrestricted result (run by the admin
	// role, bypassing RLS) held rows of other tenants: the probes that could
	// have seen a leak.
	Reached int `json:"reached_foreign"`
	// Unattributed counts returned rows the harness could not trace to a
	// tenant (no tenant id, key or canary in them): a coverage gap.
	Unattributed int `json:"unattributed"`
	// Compared counts statements the differential oracle compared with
	// the owner's result over the tenant's own rows.
	Compared        int            `json:"compared"`
	ByKind          map[string]int `json:"statements_by_kind"`
	DiscardedByKind map[string]int `json:"discarded_by_kind"`
	ByRelation      map[string]int `json:"statements_by_relation"`
	// Tenants and WorldRows count the tenants and rows generated into the
	// checks' worlds.
	Tenants   int `json:"tenants_generated"`
	WorldRows int `json:"rows_generated"`
	// DiscardExamples keeps the first few generator errors, to tune the
	// generators against a schema.
	DiscardExamples []string `json:"discard_examples,omitempty"`
}

// checked counts one check over world w.
func (s *Stats) checked(w *generators.World) {
	s.Checks++
	s.Tenants += len(w.Tenants)
	s.WorldRows += len(w.Rows)
}

// discard counts a statement the generator got wrong.
func (s *Stats) discard(kind, sql string, err error) {
	s.Discarded++
	count(&s.DiscardedByKind, kind)
	if len(s.DiscardExamples) < 5 && err != nil {
		s.DiscardExamples = append(s.DiscardExamples, err.Error()+": "+sql)
	}
}

// Add adds o's counts to s (and its first discard examples, up to five).
func (s *Stats) Add(o Stats) {
	s.Checks += o.Checks
	s.Statements += o.Statements
	s.Rows += o.Rows
	s.Rejected += o.Rejected
	s.Discarded += o.Discarded
	s.TimedOut += o.TimedOut
	s.Reached += o.Reached
	s.Unattributed += o.Unattributed
	s.Compared += o.Compared
	s.Tenants += o.Tenants
	s.WorldRows += o.WorldRows
	MergeCounts(&s.ByKind, o.ByKind)
	MergeCounts(&s.DiscardedByKind, o.DiscardedByKind)
	MergeCounts(&s.ByRelation, o.ByRelation)
	for _, e := range o.DiscardExamples {
		if len(s.DiscardExamples) < 5 {
			s.DiscardExamples = append(s.DiscardExamples, e)
		}
	}
}

// MergeCounts adds the counts of src to dst, making dst when needed.
func MergeCounts(dst *map[string]int, src map[string]int) {
	for k, v := range src {
		if *dst == nil {
			*dst = map[string]int{}
		}
		(*dst)[k] += v
	}
}

// Result is the outcome of one property on one relation.
type Result struct {
	Property string        `json:"property"`
	Relation string        `json:"relation"`
	Seed     uint64        `json:"seed"`
	Stats                  // embedded counts
	Findings []*Finding    `json:"findings"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
	// SecondsToFinding is how long the search ran before the first failing
	// check (shrinking excluded).
	SecondsToFinding float64 `json:"seconds_to_finding,omitempty"`
	// Err is a setup or harness error: the property could not be checked.
	Err error `json:"-"`
	// Log is rapid's output for a failure (the minimal case's draws).
	Log string `json:"-"`
}

// Conclusive reports whether the probes reached other tenants' rows at
// all; a clean result that never did proves nothing.
func (r *Result) Conclusive() bool { return r.Reached > 0 }
