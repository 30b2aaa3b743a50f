// Package harness is the engine of tenantfuzz: it stands up a target
// database, generates small worlds of tenants, runs statements as the
// application role with one tenant's context, and checks every response
// against the ground truth the generator knows.
package harness

import (
	"fmt"
	"strings"
)

// Kind names what a finding shows.
type Kind string

// Finding kinds.
const (
	// KindCrossTenantRead: a tenant's statement returned another tenant's row.
	KindCrossTenantRead Kind = "cross-tenant-read"
	// KindFailOpenRead: a statement without tenant context returned tenant rows.
	KindFailOpenRead Kind = "fail-open-read"
	// KindDifferentialRead: a tenant's result held rows (counts, aggregates,
	// unattributable values) that the same statement over only its own rows
	// does not produce.
	KindDifferentialRead Kind = "differential-read"
	// KindOverFiltering: a tenant's result lacked rows its own data
	// produces: not a leak, but isolation that breaks the application.
	KindOverFiltering Kind = "over-filtering"
)

// levelThree reports whether a kind comes from the level-3 router and
// migration properties (harness/router) or the API layer (harness/api),
// whose evidence says it all.
func levelThree(k Kind) bool {
	switch k {
	case "cross-database-request", "host-misroute", "tier-misplacement", "formatted-context", "over-refusal":
		return true
	}
	return strings.HasPrefix(string(k), "migration-") || strings.HasPrefix(string(k), "api-")
}

// Isolation reports whether a finding of this kind shows isolation failing
// (a tenant saw, learnt or changed what is not its own). Over-filtering (a
// tenant saw less of its own rows than it holds) and over-refusal (a
// router refused a request it should have served) are correctness bugs,
// reported at low severity, never counted as leaks.
func (k Kind) Isolation() bool {
	return k != KindOverFiltering && k != "over-refusal"
}

// Severity is the default severity of a kind.
func (k Kind) Severity() Severity {
	switch k {
	case KindOverFiltering, KindSideChannel, "over-refusal":
		return SeverityLow
	case "formatted-context", "migration-leftover", KindRoleTrick, KindCrossTenantReference:
		return SeverityHigh
	case KindCrossRequestState:
		return SeverityMedium
	}
	return SeverityCritical
}

// Severity of a finding.
type Severity string

// Severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Finding is one observed isolation failure with what it takes to replay it.
type Finding struct {
	Kind        Kind     `json:"kind"`
	Severity    Severity `json:"severity"`
	Property    string   `json:"property"`
	Relation    string   `json:"relation"`
	Tenant      string   `json:"tenant"`       // the tenant whose context ran the statement ("" when none)
	TenantLabel string   `json:"tenant_label"` // T1, or "no context"/"empty context"; "user U1 of T1" under membership tenancy
	// User is, under membership tenancy, the id of the user whose context
	// ran the statement (Tenant is then the tenant it is the viewer of).
	User        string   `json:"user,omitempty"`
	OtherTenant string   `json:"other_tenant"` // the tenant that owns the returned row
	OtherLabel  string   `json:"other_label"`
	Context     string   `json:"context"` // how the context was set: tenant, unset, empty
	Statement   string   `json:"statement"`
	Evidence    []string `json:"evidence"`           // returned rows, values redacted unless asked
	Expected    string   `json:"expected,omitempty"` // differential: what the owner's restricted query returned
	Seed        uint64   `json:"seed"`               // the rapid seed of the failing check
	Replay      string   `json:"replay"`             // a command that reproduces the finding
	Script      string   `json:"script"`             // a psql-runnable reproduction
	// Audit lists the static audit results that explain the finding
	// (check id and object), when the audit ran.
	Audit []string `json:"audit,omitempty"`
	// Cause is what the harness proved caused the finding, when it could:
	// for rls-bypassed, the role chain that skips row-level security.
	Cause string `json:"cause,omitempty"`
	// Repro is the reproduction as data (see Repro), when it can be stated.
	Repro *Repro `json:"repro,omitempty"`
}

// Summary is the one-line form printed in summaries and test failures.
func (f *Finding) Summary() string {
	who := f.TenantLabel
	if f.Tenant != "" {
		who = fmt.Sprintf("%s (%s)", f.TenantLabel, f.Tenant)
	}
	switch {
	case f.Kind == KindRLSBypassed && f.Cause != "":
		return fmt.Sprintf("%s [%s] on %s: %s", f.Kind, f.Severity, f.Relation, f.Cause)
	case levelThree(f.Kind) && len(f.Evidence) > 0:
		return fmt.Sprintf("%s [%s] on %s: %s", f.Kind, f.Severity, f.Relation, f.Evidence[0])
	case f.Kind == KindContextInjection:
		return fmt.Sprintf("%s [%s] on %s: a hostile tenant id from %s reached rows of %s (%s)", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.Kind == KindRoleTrick:
		return fmt.Sprintf("%s [%s] on %s: %s switched to rows of %s (%s) with %s", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant, f.Statement)
	case f.Kind == KindContextLeak:
		return fmt.Sprintf("%s [%s] on %s: the request of %s got a pooled connection still holding context (%s): %s", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, strings.Join(f.Evidence, "; "))
	case f.OtherTenant != "" && f.Kind == KindDifferentialRead:
		return fmt.Sprintf("%s [%s] on %s: %s got a result its own rows do not produce (rows of %s, %s, reach it)", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.Kind == KindCrossRequestLeak:
		return fmt.Sprintf("%s [%s] on %s: %s got rows or values of %s (%s) left by another tenant's earlier request", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.Kind == KindCrossRequestState:
		return fmt.Sprintf("%s [%s] on %s: the answer of %s changed because %s (%s) asked the same first", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.Kind == KindCrossTenantReference:
		return fmt.Sprintf("%s [%s] on %s: %s made a row reference a key of %s (%s)", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.OtherTenant != "" && f.Kind == KindCrossTenantWrite:
		return fmt.Sprintf("%s [%s] on %s: %s changed rows of %s (%s)", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.Kind == KindCrossTenantWrite:
		return fmt.Sprintf("%s [%s] on %s: %s wrote rows of %s", f.Kind, f.Severity, f.Relation, who, f.OtherLabel)
	case f.OtherTenant != "":
		return fmt.Sprintf("%s [%s] on %s: %s saw a row of %s (%s)", f.Kind, f.Severity, f.Relation, who, f.OtherLabel, f.OtherTenant)
	case f.Kind == KindSideChannel:
		return fmt.Sprintf("%s [%s] on %s: a write by %s reveals whether another tenant holds a key", f.Kind, f.Severity, f.Relation, who)
	case f.Kind == KindOverFiltering:
		return fmt.Sprintf("%s [%s] on %s: %s did not see rows of its own", f.Kind, f.Severity, f.Relation, who)
	}
	return fmt.Sprintf("%s [%s] on %s: %s got a result its own rows do not produce", f.Kind, f.Severity, f.Relation, who)
}

// String is the multi-line form: summary, statement, evidence, replay.
func (f *Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Summary())
	if f.Cause != "" && !strings.Contains(f.Summary(), f.Cause) {
		b.WriteString("\n  cause:     " + f.Cause)
	}
	b.WriteString("\n  statement: " + f.Statement)
	for _, e := range f.Evidence {
		b.WriteString("\n  returned:  " + e)
	}
	b.WriteString("\n  replay:    " + f.Replay)
	return b.String()
}
