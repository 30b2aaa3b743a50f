package harness

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Verdict is what one scenario (a property on one subject) earned.
type Verdict string

// Scenario verdicts. Only pass and not applicable make a green gate.
const (
	// VerdictPass: the probes reached other tenants' rows (they could have
	// seen a leak), the tenant saw or changed its own rows (they could see
	// anything at all), and no finding.
	VerdictPass Verdict = "pass"
	// VerdictLeak: a finding.
	VerdictLeak Verdict = "leak"
	// VerdictBlind: the property ran but proved nothing: no probe reached
	// another tenant's rows, or the tenant never saw (or changed) its own
	// rows. Result.Reason says why, with a diagnosis where there is one.
	VerdictBlind Verdict = "blind"
	// VerdictNotApplicable: the property cannot apply to this subject
	// (Result.Reason says why); nothing was run.
	VerdictNotApplicable Verdict = "not applicable"
	// VerdictError: the harness could not check the property.
	VerdictError Verdict = "error"
)

// ErrBlind marks a property that ran but could not have seen a leak, or
// in which the tenant never saw its own rows.
var ErrBlind = errors.New("blind")

// ErrInconclusive is the former name of ErrBlind.
var ErrInconclusive = ErrBlind

// ErrNotApplicable marks a property that does not apply to a subject.
var ErrNotApplicable = errors.New("not applicable")

// NotApplicable is the result of a property that does not apply to a
// subject, with the reason in words ("countries holds no tenant rows").
func NotApplicable(property, subject, reason string) *Result {
	return &Result{Property: property, Relation: subject, Verdict: VerdictNotApplicable, Reason: reason}
}

// Judge fills Verdict (and Reason) from what the run found. A finding is a
// leak; an error that says "not applicable" or "blind" gives those
// verdicts (the error is then cleared: it is the verdict's reason, not a
// harness failure); any other error is an error. A clean run is blind when
// its probes never reached another tenant's rows (reach) or, for
// properties with a positive control (control), when the tenant never saw
// or changed its own rows; else it passes. A blind reason names the
// statements the tenant had refused, by SQLSTATE, with PostgreSQL's first
// message for each.
func (r *Result) Judge(reach, control bool) {
	if r.Verdict == VerdictNotApplicable {
		return
	}
	switch {
	case len(r.Findings) > 0:
		r.Verdict = VerdictLeak
	case errors.Is(r.Err, ErrNotApplicable):
		r.Verdict, r.Reason, r.Err = VerdictNotApplicable, strings.TrimPrefix(r.Err.Error(), ErrNotApplicable.Error()+": "), nil
	case errors.Is(r.Err, ErrBlind):
		r.Verdict, r.Reason, r.Err = VerdictBlind, strings.TrimPrefix(r.Err.Error(), ErrBlind.Error()+": "), nil
	case r.Err != nil:
		r.Verdict = VerdictError
	case r.Checks == 0:
		r.Verdict, r.Reason = VerdictBlind, "no check ran"
	case reach && r.Reached == 0:
		r.Verdict = VerdictBlind
		r.Reason = fmt.Sprintf("%d statements on %s never reached another tenant's rows, even without RLS: a clean result would prove nothing", r.Statements, r.Relation)
		if r.Rejected > 0 {
			r.Reason += "; " + r.RejectionSummary()
		}
	case control && r.Own == 0:
		r.Verdict = VerdictBlind
		r.Reason = fmt.Sprintf("in %d checks on %s the tenant never saw or changed a row of its own, so the probes could not tell isolation from an application that sees nothing", r.Checks, r.Relation)
		if r.Rejected > 0 {
			r.Reason += "; " + r.RejectionSummary()
		}
	default:
		r.Verdict = VerdictPass
	}
}

// RejectionSummary says which statements the system refused the tenant,
// by SQLSTATE, with the first message of each: "42704 × 12 (unrecognized
// configuration parameter "app.current_tenant")".
func (s *Stats) RejectionSummary() string {
	if s.Rejected == 0 {
		return ""
	}
	codes := make([]string, 0, len(s.RejectedBy))
	for c := range s.RejectedBy {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if s.RejectedBy[codes[i]] != s.RejectedBy[codes[j]] {
			return s.RejectedBy[codes[i]] > s.RejectedBy[codes[j]]
		}
		return codes[i] < codes[j]
	})
	var parts []string
	for _, c := range codes {
		p := fmt.Sprintf("SQLSTATE %s × %d", c, s.RejectedBy[c])
		if m := s.RejectExamples[c]; m != "" {
			p += " (" + m + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%d refused to the tenant: %s", s.Rejected, strings.Join(parts, ", "))
}

// OnlyNoAccess reports whether every refusal was a missing privilege on a
// relation (42501 "permission denied for ..."): the application role has
// no access there, which is not blindness.
func (s *Stats) OnlyNoAccess() bool {
	if s.Rejected == 0 || len(s.RejectedBy) != 1 || s.RejectedBy["42501"] == 0 {
		return false
	}
	return strings.HasPrefix(s.RejectExamples["42501"], "permission denied for")
}
