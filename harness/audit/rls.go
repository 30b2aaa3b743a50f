package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// rlsDisabled (TFA001) enforces: every tenant table that is not a
// partition or inheritance child has row-level security enabled. Children
// are left to TFA030, which knows whether they are reachable directly.
// High when the application role holds any privilege on the table, medium
// otherwise (a later GRANT ... ON ALL TABLES exposes every row). Limits:
// a tenant table is one with the tenant column (or the tenants table); a
// table keyed by another column name is not seen.
func rlsDisabled(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if r.RLSEnabled || len(r.Parents) > 0 {
			continue
		}
		sev, reach := harness.SeverityMedium, "the application role holds no privilege on it yet"
		if r.Priv.Any() {
			sev, reach = harness.SeverityHigh, e.cat.AppRole+" may "+privNames(r.Priv)+" every tenant's rows"
		}
		out = append(out, Result{
			Severity: sev, Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("row-level security is disabled on %s, which holds tenant rows (%s): %s", r, tenantWhat(e, r), reach),
			FixSQL:  fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY; ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY; CREATE POLICY tenant_isolation ON %[1]s USING (%s) WITH CHECK (%[2]s)", r.QualifiedName(), e.isolating(r)),
			where:   []pattern{atAlter(r, `\bDISABLE\s+ROW\s+LEVEL\s+SECURITY`), atCreate(r)},
		})
	}
	return out
}

func tenantWhat(e *env, r *catalog.Relation) string {
	if r.TenantColumn != "" {
		return "column " + r.TenantColumn
	}
	return "the tenants table"
}

// rlsNotForced (TFA002) enforces: every tenant table with RLS enabled also
// has FORCE ROW LEVEL SECURITY, so that its owner (and any role with the
// owner's privileges, such as a migration or maintenance role) is subject
// to the policies too. Limits: a superuser or BYPASSRLS owner ignores
// FORCE; TFA005/TFA006 cover the application role, not other owners.
func rlsNotForced(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if !r.RLSEnabled || r.RLSForced || e.platformOwned(r) {
			continue
		}
		fix := fmt.Sprintf("ALTER TABLE %s FORCE ROW LEVEL SECURITY", r.QualifiedName())
		fixSQL := fix
		if o := e.f.roles[r.Owner]; o.Super || o.BypassRLS {
			fix = fmt.Sprintf("give %s an owner that is neither a superuser nor BYPASSRLS (ALTER TABLE %s OWNER TO that role), then %s: FORCE does not bind a superuser or BYPASSRLS owner", r, r.QualifiedName(), fix)
			fixSQL = ""
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s has row-level security enabled but not forced: its owner %s, and every role with %[2]s's privileges, reads and writes all tenants' rows", r, r.Owner),
			Fix:     fix,
			FixSQL:  fixSQL,
			where:   []pattern{atAlter(r, `\bNO\s+FORCE\s+ROW\s+LEVEL\s+SECURITY`), atAlter(r, `\bENABLE\s+ROW\s+LEVEL\s+SECURITY`), atCreate(r)},
		})
	}
	return out
}

// dormantPolicies (TFA003) enforces: a relation that has policies has RLS
// enabled. Policies on a table with RLS off are not applied at all; their
// presence makes the table look protected in reviews and dashboards.
func dormantPolicies(e *env) []Result {
	var out []Result
	for _, r := range e.cat.Relations {
		if r.RLSEnabled || len(r.Policies) == 0 || !r.IsTable() {
			continue
		}
		names := make([]string, len(r.Policies))
		for i, p := range r.Policies {
			names[i] = p.Name
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s has %d polic%s (%s) but row-level security is disabled: none of them is applied", r, len(names), plural(len(names), "y", "ies"), strings.Join(names, ", ")),
			FixSQL:  fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY; ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY", r.QualifiedName()),
			where:   []pattern{atAlter(r, `\bDISABLE\s+ROW\s+LEVEL\s+SECURITY`), atPolicy(r, r.Policies[0].Name), atCreate(r)},
		})
	}
	return out
}

// noAppPolicy (TFA004) enforces: a tenant table with RLS enabled that the
// application role may use has at least one permissive policy applying to
// that role. Without one every row is denied (fail closed, so low
// severity); the risk is the quick fix teams then apply, USING (true).
// Limits: restrictive-only tables count as having no permissive policy.
func noAppPolicy(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if !r.RLSEnabled || !r.Priv.Any() {
			continue
		}
		has := false
		for _, p := range r.Policies {
			if p.Permissive && e.appliesToApp(p) {
				has = true
			}
		}
		if has {
			continue
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s has row-level security enabled but no permissive policy applies to %s: every row is denied to it", r, e.cat.AppRole),
			FixSQL:  fmt.Sprintf("CREATE POLICY tenant_isolation ON %s USING (%s) WITH CHECK (%[2]s)", r.QualifiedName(), e.isolating(r)),
			where:   []pattern{atDropPolicy(r), atAlter(r, `\bENABLE\s+ROW\s+LEVEL\s+SECURITY`), atCreate(r)},
		})
	}
	return out
}

func orCol(c string) string {
	if c == "" {
		return "tenant_id"
	}
	return c
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// platformOwned reports whether, on Supabase, r belongs to the platform's
// admin role (a superuser or BYPASSRLS owner the application role cannot
// become): FORCE would not bind it, and requests run as anon or
// authenticated, which never own tables. Not forcing RLS there is how
// Supabase works, not a defect; an application role that can become the
// owner is still flagged (and by TFA005-TFA007).
func (e *env) platformOwned(r *catalog.Relation) bool {
	o := e.f.roles[r.Owner]
	return e.opts.Supabase && (o.Super || o.BypassRLS) && r.Owner != e.cat.AppRole && !e.f.usage[e.cat.AppRole][r.Owner]
}
