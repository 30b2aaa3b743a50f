package harness

import (
	"fmt"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// Stats count what a property did. Only the search for a failure counts:
// the re-runs rapid makes while shrinking a failure do not.
type Stats struct {
	Checks     int `json:"checks"`     // generated worlds checked
	Statements int `json:"statements"` // statements that ran as the tenant (valid ones)
	Rows       int `json:"rows"`       // rows returned to tenants (Unattributed of them not traced to an owner)
	Rejected   int `json:"rejected"`   // statements the system refused (privilege, RLS): passes
	// RejectedBy counts the refusals by SQLSTATE, and RejectExamples keeps
	// PostgreSQL's first message for each: a subject where every statement
	// is refused (a policy reading a setting nobody sets) shows here.
	RejectedBy     map[string]int    `json:"rejected_by_sqlstate,omitempty"`
	RejectExamples map[string]string `json:"reject_examples,omitempty"`
	// Own counts the checks in which the tenant's statements returned (or,
	// for writes, changed) at least one row of its own: the positive
	// control. A clean subject with none proves nothing (blind).
	Own       int `json:"own_rows_seen"`
	Discarded int `json:"discarded"` // statements the generator got wrong: not counted as checks
	// TimedOut counts statements discarded because they hit the statement
	// timeout: as the tenant although they ran as the admin (a slow policy
	// shows here), or as the admin on a machine too loaded to answer in
	// time; they are among the discarded too.
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
	// Refused counts, per table, the generated rows the schema refused,
	// with PostgreSQL's message for the first (see refusals.go).
	Refused  map[string]*generators.Refusal `json:"refused_rows,omitempty"`
	accepted map[string]int
}

// checked counts one check over world w.
func (s *Stats) checked(w *generators.World) {
	s.Checks++
	s.Tenants += len(w.Tenants)
	s.WorldRows += len(w.Rows)
	s.countRefusals(w)
}

// discard counts a statement the generator got wrong.
func (s *Stats) discard(kind, sql string, err error) {
	s.Discarded++
	if sqlState(err) == sqlStateQueryCanceled {
		s.TimedOut++
	}
	count(&s.DiscardedByKind, kind)
	if len(s.DiscardExamples) < 5 && err != nil {
		s.DiscardExamples = append(s.DiscardExamples, err.Error()+": "+sql)
	}
}

// reject counts a statement the system refused the tenant (it ran as the
// admin), by SQLSTATE.
func (s *Stats) reject(err error) {
	s.Rejected++
	code := sqlState(err)
	if code == "" {
		code = "other"
	}
	count(&s.RejectedBy, code)
	if s.RejectExamples == nil {
		s.RejectExamples = map[string]string{}
	}
	if _, ok := s.RejectExamples[code]; !ok && err != nil {
		s.RejectExamples[code] = pgMessage(err)
	}
}

// sawOwn records the positive control of one check: its tenant saw or
// changed a row of its own. s holds one check's counts, so Own is 0 or 1
// until the checks are added up.
func (s *Stats) sawOwn() { s.Own = 1 }

// Add adds o's counts to s (and its first discard examples, up to five).
func (s *Stats) Add(o Stats) {
	s.Checks += o.Checks
	s.Statements += o.Statements
	s.Rows += o.Rows
	s.Rejected += o.Rejected
	s.Own += o.Own
	MergeCounts(&s.RejectedBy, o.RejectedBy)
	for c, m := range o.RejectExamples {
		if s.RejectExamples == nil {
			s.RejectExamples = map[string]string{}
		}
		if _, ok := s.RejectExamples[c]; !ok {
			s.RejectExamples[c] = m
		}
	}
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
	s.addRefusals(o)
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
	Property string `json:"property"`
	Relation string `json:"relation"`
	Seed     uint64 `json:"seed"`
	// Verdict is what the scenario earned (Judge), Reason why it is blind
	// or not applicable.
	// (Reports carry the verdict as their scenario's own field.)
	Verdict  Verdict       `json:"-"`
	Reason   string        `json:"reason,omitempty"`
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
	// Planned is set only when the time budget cut the search short: the
	// checks the subject was to get, of which Checks ran (see Partial).
	Planned int `json:"planned_checks,omitempty"`
}

// Partial reports whether the time budget ended the search before all its
// checks ran: a pass on fewer checks than the profile asked for.
func (r *Result) Partial() bool { return r.Planned > 0 && r.Checks < r.Planned }

// PartialText says how partial a result is: "partial (12 of 30 checks,
// budget spent)"; "" when it is not.
func (r *Result) PartialText() string {
	if !r.Partial() {
		return ""
	}
	return fmt.Sprintf("partial (%d of %d checks, budget spent)", r.Checks, r.Planned)
}

// Conclusive reports whether the probes reached other tenants' rows at
// all; a clean result that never did proves nothing.
func (r *Result) Conclusive() bool { return r.Reached > 0 }
