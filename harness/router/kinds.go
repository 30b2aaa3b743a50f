package router

import (
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Finding kinds of level 3 (besides harness.KindContextLeak and
// harness.KindCrossTenantRead, which keep their meaning here).
const (
	// KindCrossDatabase: a request ran on a database other than the one
	// holding its tenant's rows, or was served although its tenant's tier
	// is unknown (it must be refused).
	KindCrossDatabase harness.Kind = "cross-database-request"
	// KindHostMisroute: a Host value was served as a tenant it does not
	// name (extra labels, look-alikes, another zone), or served at all
	// when it names none.
	KindHostMisroute harness.Kind = "host-misroute"
	// KindTierMisplacement: a database holds rows of a tenant whose home
	// it is not (an enterprise tenant's rows in the shared database, a
	// shared tenant's in a dedicated one).
	KindTierMisplacement harness.Kind = "tier-misplacement"
	// KindFormattedContext: a tenant id (or slug) reached the SQL text the
	// router sent, instead of a bind parameter (docs/leaks.md entry 22).
	KindFormattedContext harness.Kind = "formatted-context"
	// KindOverRefusal: the router refused a plain request of a tenant it
	// must serve; not a leak, but a router that refuses everything would
	// pass the other checks.
	KindOverRefusal harness.Kind = "over-refusal"
	// KindMigrationLoss: after a migration the target lacks rows the
	// tenant had (or holds them changed).
	KindMigrationLoss harness.Kind = "migration-loss"
	// KindMigrationLeftover: after a migration the source still holds
	// rows of the tenant.
	KindMigrationLeftover harness.Kind = "migration-leftover"
)

// Kinds lists the level-3 kinds with their default severities.
var Kinds = map[harness.Kind]harness.Severity{
	KindCrossDatabase:     harness.SeverityCritical,
	KindHostMisroute:      harness.SeverityCritical,
	KindTierMisplacement:  harness.SeverityCritical,
	KindFormattedContext:  harness.SeverityHigh,
	KindOverRefusal:       harness.SeverityLow,
	KindMigrationLoss:     harness.SeverityCritical,
	KindMigrationLeftover: harness.SeverityHigh,
}

// severity is the severity of a kind, critical for kinds not listed.
func severity(k harness.Kind) harness.Severity {
	if s, ok := Kinds[k]; ok {
		return s
	}
	return harness.SeverityCritical
}

// Headline is the one-line form of a level-3 finding: kind, severity,
// subject and the first evidence line (harness.Finding.Summary has no case
// for these kinds yet).
func Headline(f *harness.Finding) string {
	detail := ""
	if len(f.Evidence) > 0 {
		detail = f.Evidence[0]
	}
	return fmt.Sprintf("%s [%s] on %s: %s", f.Kind, f.Severity, f.Relation, detail)
}
