package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

func names(rs []*catalog.Relation) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return strings.Join(out, ", ")
}

// viewNotInvoker (TFA024) enforces: every view the application role can
// use that reads tenant tables (through any depth of views) has
// security_invoker = true (PostgreSQL 15+). Otherwise the tables are read
// with the view owner's rights: high when that owner bypasses the RLS of a
// table it reads (superuser, BYPASSRLS, or the table's owner without
// FORCE); medium otherwise, since policies are then evaluated for the
// owner, not the application role (role-scoped policies, current_user).
func viewNotInvoker(e *env) []Result {
	var out []Result
	for _, v := range e.cat.Relations {
		if v.Kind != catalog.KindView || v.SecurityInvoker || !v.Priv.Any() {
			continue
		}
		bases := e.tenantBases(v)
		if len(bases) == 0 {
			continue
		}
		var open []*catalog.Relation
		for _, b := range bases {
			if e.bypasses(v.Owner, b) {
				open = append(open, b)
			}
		}
		sev, why := harness.SeverityMedium, fmt.Sprintf("their policies are evaluated for %s, not for %s", v.Owner, e.cat.AppRole)
		if len(open) > 0 {
			sev, why = harness.SeverityHigh, fmt.Sprintf("%s bypasses row-level security on %s, so every tenant sees every row through the view", v.Owner, names(open))
		}
		out = append(out, Result{
			Severity: sev, Object: "view " + v.String(), Relation: v.String(),
			Message: fmt.Sprintf("view %s reads %s with its owner's rights (no security_invoker): %s", v, names(bases), why),
			FixSQL:  fmt.Sprintf("ALTER VIEW %s SET (security_invoker = true)", v.QualifiedName()),
			where:   []pattern{atCreate(v)},
		})
	}
	return out
}

// readsTenantTables lists the tenant tables a function body names.
func (e *env) readsTenantTables(fn *catalog.Function) []*catalog.Relation {
	body := e.body(fn)
	var out []*catalog.Relation
	for _, r := range e.tenantTables() {
		if mentions(body, r) {
			out = append(out, r)
		}
	}
	return out
}

// definerReadsTenant (TFA025) enforces: no SECURITY DEFINER function the
// application role may execute reads tenant tables. It runs as its owner:
// high when the owner bypasses the RLS of a table it names, medium
// otherwise (policies evaluated for the owner). pgvector "match_documents"
// helpers are the classic case (docs/leaks.md entry 38). Limits: tables are found by
// name in the body text, so dynamic SQL that assembles names is missed and
// a variable named like a table is a false positive; trigger functions are
// TFA036's.
func definerReadsTenant(e *env) []Result {
	var out []Result
	for _, fn := range e.cat.Functions {
		if !fn.SecurityDefiner || !fn.Execute || fn.Result == "trigger" {
			continue
		}
		tables := e.readsTenantTables(fn)
		if len(tables) == 0 {
			continue
		}
		var open []*catalog.Relation
		for _, t := range tables {
			if e.bypasses(fn.Owner, t) {
				open = append(open, t)
			}
		}
		sev, why := harness.SeverityMedium, fmt.Sprintf("their policies are evaluated for %s, not for the caller", fn.Owner)
		if len(open) > 0 {
			sev, why = harness.SeverityHigh, fmt.Sprintf("%s bypasses row-level security on %s: callers reach every tenant's rows", fn.Owner, names(open))
		}
		out = append(out, Result{
			Severity: sev, Object: fnKind(fn) + " " + fnSig(fn), Relation: fnSig(fn),
			Message: fmt.Sprintf("SECURITY DEFINER %s, executable by %s, reads %s as its owner: %s", fnSig(fn), e.cat.AppRole, names(tables), why),
			Fix:     fmt.Sprintf("ALTER FUNCTION %s SECURITY INVOKER (and rely on the tables' policies), or REVOKE EXECUTE ON FUNCTION %[1]s FROM PUBLIC, %s", fnSig(fn), e.cat.AppRole),
			FixSQL:  fmt.Sprintf("ALTER FUNCTION %s SECURITY INVOKER", fnSig(fn)),
			where:   atFunction(fn, `\bSECURITY\s+DEFINER\b`),
		})
	}
	return out
}

// searchPath returns the function's fixed search_path and whether it has one.
func searchPath(fn *catalog.Function) ([]string, bool) {
	for _, c := range fn.Config {
		if name, val, ok := strings.Cut(c, "="); ok && strings.EqualFold(name, "search_path") {
			var out []string
			for _, s := range strings.Split(val, ",") {
				out = append(out, strings.Trim(strings.TrimSpace(s), `"`))
			}
			return out, true
		}
	}
	return nil, false
}

// definerSearchPath (TFA026) enforces: every SECURITY DEFINER function the
// application role may execute has a fixed search_path
// (SET search_path = pg_catalog, pg_temp) that names no schema the
// application role can create objects in. Otherwise the caller can plant
// a function or operator the definer resolves by name and run code with
// the owner's rights. Limits: the temporary schema is only a risk for
// relations, and is not flagged.
func definerSearchPath(e *env) []Result {
	writable := map[string]bool{}
	for _, s := range e.f.createSchemas {
		writable[s] = true
	}
	var out []Result
	for _, fn := range e.cat.Functions {
		if !fn.SecurityDefiner || !fn.Execute {
			continue
		}
		path, fixed := searchPath(fn)
		why := "has no fixed search_path"
		if fixed {
			var bad []string
			for _, s := range path {
				if writable[s] || (s == "$user" && writable[e.cat.AppRole]) {
					bad = append(bad, s)
				}
			}
			if len(bad) == 0 {
				continue
			}
			why = fmt.Sprintf("has search_path %s, which includes %s where %s can create objects", strings.Join(path, ", "), strings.Join(bad, ", "), e.cat.AppRole)
		}
		out = append(out, Result{
			Object: fnKind(fn) + " " + fnSig(fn), Relation: fnSig(fn),
			Message: fmt.Sprintf("SECURITY DEFINER %s %s: a caller can shadow what it calls and run code as %s", fnSig(fn), why, fn.Owner),
			Fix:     fmt.Sprintf("ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp (and schema-qualify the tables it uses)", fnSig(fn)),
			FixSQL:  fmt.Sprintf("ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp", fnSig(fn)),
			where:   atFunction(fn, `\bSECURITY\s+DEFINER\b`),
		})
	}
	return out
}

// policyFunctionSearchPath (TFA027) enforces: the user functions that
// policies on tenant tables call, and the context functions (those that
// read or set a custom setting) the application role may execute, have a
// fixed search_path. A mutable one resolves names through the caller's
// path, so whoever can create objects earlier in it decides what the
// policy computes. Low: exploiting it also needs CREATE somewhere (TFA010).
func policyFunctionSearchPath(e *env) []Result {
	picked := map[uint32]string{}
	for _, x := range e.appExprs() {
		for _, fn := range e.callsUserFunction(x.expr) {
			if _, ok := picked[fn.OID]; !ok {
				picked[fn.OID] = "called by " + x.object()
			}
		}
	}
	for _, fn := range e.cat.Functions {
		body := e.body(fn)
		if _, ok := picked[fn.OID]; !ok && fn.Execute && (len(calls(body, "set_config")) > 0 || len(calls(body, "current_setting")) > 0) {
			picked[fn.OID] = "a tenant-context function " + e.cat.AppRole + " may execute"
		}
	}
	var out []Result
	for _, fn := range e.cat.Functions {
		why, ok := picked[fn.OID]
		if !ok || fn.SecurityDefiner { // definers are TFA026's
			continue
		}
		if _, fixed := searchPath(fn); fixed {
			continue
		}
		out = append(out, Result{
			Object:  fnKind(fn) + " " + fnSig(fn),
			Message: fmt.Sprintf("%s, %s, has no fixed search_path: names in it resolve through the caller's search_path", fnSig(fn), why),
			FixSQL:  fmt.Sprintf("ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp", fnSig(fn)),
			where:   atFunction(fn, ""),
		})
	}
	return out
}

// matViewTenantData (TFA028) enforces: the application role cannot read a
// materialized view over tenant data (one that reads tenant tables, or has
// the tenant column). Materialized views have no row-level security: the
// rows were computed once, by the owner, for all tenants.
func matViewTenantData(e *env) []Result {
	var out []Result
	for _, m := range e.cat.Relations {
		if m.Kind != catalog.KindMatView || !m.Priv.Select {
			continue
		}
		bases := e.tenantBases(m)
		if len(bases) == 0 && m.TenantColumn == "" {
			continue
		}
		from := "has the tenant column " + m.TenantColumn
		if len(bases) > 0 {
			from = "is computed from " + names(bases)
		}
		out = append(out, Result{
			Object: "materialized view " + m.String(), Relation: m.String(),
			Message: fmt.Sprintf("materialized view %s %s and %s may SELECT it: row-level security does not apply to materialized views", m, from, e.cat.AppRole),
			Fix:     fmt.Sprintf("REVOKE SELECT ON %s FROM %s, PUBLIC; serve it through a security_invoker view or function that filters by the tenant context", m.QualifiedName(), e.cat.AppRole),
			FixSQL:  fmt.Sprintf("REVOKE SELECT ON %s FROM %s, PUBLIC", m.QualifiedName(), e.cat.AppRole),
			where:   []pattern{atCreate(m)},
		})
	}
	return out
}

// foreignTenantData (TFA029) enforces: the application role holds no
// privilege on a foreign table with the tenant column. Row-level security
// cannot be enabled on foreign tables; the remote side sees the user
// mapping's role, not the tenant.
func foreignTenantData(e *env) []Result {
	var out []Result
	for _, f := range e.cat.Relations {
		if f.Kind != catalog.KindForeign || f.TenantColumn == "" || !f.Priv.Any() {
			continue
		}
		out = append(out, Result{
			Object: "foreign table " + f.String(), Relation: f.String(),
			Message: fmt.Sprintf("foreign table %s holds tenant rows (%s) and %s may %s it: row-level security does not apply to foreign tables", f, f.TenantColumn, e.cat.AppRole, privNames(f.Priv)),
			Fix:     fmt.Sprintf("REVOKE ALL ON %s FROM %s, PUBLIC; expose it through a security_invoker view that filters by the tenant context", f.QualifiedName(), e.cat.AppRole),
			FixSQL:  fmt.Sprintf("REVOKE ALL ON %s FROM %s, PUBLIC", f.QualifiedName(), e.cat.AppRole),
			where:   []pattern{atCreate(f)},
		})
	}
	return out
}

// childWithoutRLS (TFA030) enforces: every partition or inheritance child
// of a tenant table has row-level security enabled. Through the parent the
// parent's policies apply; queried directly, the child applies only its
// own. High when the application role holds a privilege on the child, low
// otherwise (reachable only through the parent, until a GRANT ... ON ALL
// TABLES).
func childWithoutRLS(e *env) []Result {
	var out []Result
	for _, c := range e.cat.Relations {
		if len(c.Parents) == 0 || c.RLSEnabled || !c.IsTable() {
			continue
		}
		var tenantParent *catalog.Relation
		for _, p := range c.Parents {
			if pr := e.byKey[p]; pr != nil && e.tenant[pr] {
				tenantParent = pr
			}
		}
		if tenantParent == nil && c.TenantColumn == "" {
			continue
		}
		parent := strings.Join(c.Parents, ", ")
		if tenantParent != nil {
			parent = tenantParent.String()
		}
		sev, reach := harness.SeverityLow, "it is reachable only through the parent for now; a GRANT on it exposes every tenant's rows"
		if c.Priv.Any() {
			sev, reach = harness.SeverityHigh, fmt.Sprintf("%s may %s it directly and so reach every tenant's rows", e.cat.AppRole, privNames(c.Priv))
		}
		out = append(out, Result{
			Severity: sev, Object: "table " + c.String(), Relation: c.String(),
			Message: fmt.Sprintf("%s is a child of %s without row-level security: %s", c, parent, reach),
			Fix:     fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY; ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY; REVOKE ALL ON %[1]s FROM %s, PUBLIC; and copy the parent's policies to it", c.QualifiedName(), e.cat.AppRole),
			FixSQL:  fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY; ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY; REVOKE ALL ON %[1]s FROM %s, PUBLIC", c.QualifiedName(), e.cat.AppRole),
			where:   []pattern{atAlter(c, `\bDISABLE\s+ROW\s+LEVEL\s+SECURITY`), atCreate(c)},
		})
	}
	return out
}
