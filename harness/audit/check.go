// Package audit is the static half of tenantfuzz: checks over the catalog
// (and the schema text) that name the configurations known to break tenant
// isolation under Row-Level Security, each with the docs/leaks.md entries it
// covers and the fix. The dynamic properties prove leaks; the audit
// explains them and finds risks no probe happened to reach.
//
// Every check is precise on purpose: the reference schema yields nothing
// above low severity, so a gate can fail on any high result.
package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Check is one static check.
type Check struct {
	ID        string           // stable id, e.g. "TFA001"; never reused
	Name      string           // stable short name, e.g. "rls-disabled"
	Title     string           // one line for humans
	Severity  harness.Severity // the usual severity; a result may grade it (see Result.Severity)
	Leaks     []int            // docs/leaks.md entries the check covers
	Rationale string           // why the configuration breaks isolation
	Fix       string           // the general fix; results carry the concrete statement
	run       func(*env) []Result
}

// String is "TFA001 rls-disabled".
func (c *Check) String() string { return c.ID + " " + c.Name }

// LeaksRef cites the check's entries of the leak catalogue, e.g.
// "docs/leaks.md entries 1, 3".
func (c *Check) LeaksRef() string { return harness.LeaksRef(c.Leaks...) }

// Result is one object a check flags.
type Result struct {
	Check    string           `json:"check"` // the check's ID
	Name     string           `json:"name"`  // the check's Name
	Title    string           `json:"title"`
	Severity harness.Severity `json:"severity"`
	Leaks    []int            `json:"leaks"`
	// Object names what is flagged: "table documents", "policy p on
	// documents", "function set_tenant(uuid)", "role app_user", "server".
	Object string `json:"object"`
	// Relation is the subject the result is about, named as dynamic
	// findings name it: a relation as the catalog prints it (bare name in
	// schema public), or a SECURITY DEFINER function as name(args); "" for
	// database-wide results (roles, context functions, server). Findings on
	// the same subject link to it (Report.Related).
	Relation string `json:"relation,omitempty"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
	// FixSQL, when set, is the fix as SQL that applies as it stands (run by
	// a superuser) and makes the result go away; Fix then says the same,
	// with any words around it. Empty where the fix needs a decision (a
	// new owner, an upgrade, code): Fix says it in words.
	FixSQL string `json:"fix_sql,omitempty"`
	// File and Line locate the statement that created or configured the
	// object in the schema or overlay files; empty when no file says it.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`

	where []pattern // where to look for the location, best first
}

// Key identifies the result stably across runs: "TFA001 table documents".
func (r *Result) Key() string { return r.Check + " " + r.Object }

// String is the one-line form: "high TFA001 rls-disabled table documents: message (file:line)".
func (r *Result) String() string {
	s := fmt.Sprintf("%s %s %s %s: %s", r.Severity, r.Check, r.Name, r.Object, r.Message)
	if r.File != "" {
		s += fmt.Sprintf(" (%s:%d)", r.File, r.Line)
	}
	return s
}

// rank orders severities: higher is more severe; unknown is 0.
func rank(s harness.Severity) int {
	switch s {
	case harness.SeverityCritical:
		return 4
	case harness.SeverityHigh:
		return 3
	case harness.SeverityMedium:
		return 2
	case harness.SeverityLow:
		return 1
	}
	return 0
}

// AtLeast reports whether s is at least as severe as min.
func AtLeast(s, min harness.Severity) bool { return rank(s) >= rank(min) && rank(min) > 0 }

// ParseSeverity reads "high", "medium" or "low" (case-insensitive).
func ParseSeverity(s string) (harness.Severity, error) {
	switch v := harness.Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case harness.SeverityHigh, harness.SeverityMedium, harness.SeverityLow:
		return v, nil
	}
	return "", fmt.Errorf("parse severity: %q is not high, medium or low", s)
}

func leaksRef(entries []int) string { return harness.LeaksRef(entries...) }
