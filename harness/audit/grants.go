package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// truncateGranted (TFA031) enforces: the application role may not
// TRUNCATE a tenant table. TRUNCATE is not subject to row-level security:
// one tenant's session empties the table for every tenant.
func truncateGranted(e *env) []Result {
	return e.privilegeGranted("TRUNCATE", func(p catalog.Privileges) bool { return p.Truncate }, func(r *catalog.Relation) (harness.Severity, string) {
		return "", fmt.Sprintf("%s may TRUNCATE %s%s: TRUNCATE ignores row-level security and deletes every tenant's rows", e.cat.AppRole, r, e.asOwner(r))
	})
}

// privilegeGranted reports every tenant table on which the application
// role holds the privilege, with the severity ("": the check's own) and
// message judge gives, the REVOKE that fixes it, and where it was granted.
func (e *env) privilegeGranted(priv string, holds func(catalog.Privileges) bool, judge func(*catalog.Relation) (harness.Severity, string)) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if !holds(r.Priv) {
			continue
		}
		sev, msg := judge(r)
		out = append(out, Result{
			Severity: sev, Object: "table " + r.String(), Relation: r.String(), Message: msg,
			FixSQL: fmt.Sprintf("REVOKE %s ON %s FROM %s, PUBLIC", priv, r.QualifiedName(), e.cat.AppRole),
			where:  append(atGrant(r, priv), atOwner(r), atCreate(r)),
		})
	}
	return out
}

// asOwner explains a privilege the application role holds through owning
// the table (or having its owner's privileges), "" otherwise.
func (e *env) asOwner(r *catalog.Relation) string {
	if e.f.roles[r.Owner].AppUses {
		return " (as its owner " + r.Owner + ")"
	}
	return ""
}

// atOwner finds ALTER TABLE ... OWNER TO: an owner holds every privilege.
func atOwner(r *catalog.Relation) pattern { return atAlter(r, `\bOWNER\s+TO\b`) }

// gradeByCreate is medium when the application role can create objects
// in some schema (it can then use the privilege), low otherwise.
func (e *env) gradeByCreate() (harness.Severity, string) {
	if len(e.f.createSchemas) > 0 {
		return harness.SeverityMedium, fmt.Sprintf("it can create objects in %s, so it can use the privilege", strings.Join(e.f.createSchemas, ", "))
	}
	return harness.SeverityLow, "it cannot create objects in any schema yet, so it cannot use the privilege today"
}

// referencesGranted (TFA032) enforces: the application role holds no
// REFERENCES privilege on a tenant table. Foreign-key checks ignore
// row-level security, so a table of its own with a foreign key to a tenant
// table answers "does this key exist in any tenant?". Medium when the role
// can create tables (TFA010), low otherwise.
func referencesGranted(e *env) []Result {
	return e.privilegeGranted("REFERENCES", func(p catalog.Privileges) bool { return p.References }, func(r *catalog.Relation) (harness.Severity, string) {
		sev, why := e.gradeByCreate()
		return sev, fmt.Sprintf("%s holds REFERENCES on %s%s: a foreign key to it probes other tenants' keys past row-level security; %s", e.cat.AppRole, r, e.asOwner(r), why)
	})
}

// triggerGranted (TFA033) enforces: the application role holds no TRIGGER
// privilege on a tenant table. A trigger it attaches runs in every
// tenant's session and sees every row written, whatever the policies say
// about reading. Medium when the role can create functions in a schema,
// low otherwise.
func triggerGranted(e *env) []Result {
	return e.privilegeGranted("TRIGGER", func(p catalog.Privileges) bool { return p.Trigger }, func(r *catalog.Relation) (harness.Severity, string) {
		sev, why := e.gradeByCreate()
		return sev, fmt.Sprintf("%s holds TRIGGER on %s%s: a trigger it creates observes and rewrites every tenant's writes; %s", e.cat.AppRole, r, e.asOwner(r), why)
	})
}
