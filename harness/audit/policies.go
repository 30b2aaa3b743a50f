package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// policyExpr is one expression of a policy that applies to the
// application role, with where it came from.
type policyExpr struct {
	rel    *catalog.Relation
	policy catalog.Policy
	clause string // "USING" or "WITH CHECK"
	expr   string
}

// appExprs lists the USING and WITH CHECK expressions of the permissive
// policies that apply to the application role on tenant tables.
func (e *env) appExprs() []policyExpr {
	var out []policyExpr
	for _, r := range e.tenantTables() {
		for _, p := range r.Policies {
			if !p.Permissive || !e.appliesToApp(p) {
				continue
			}
			if p.Using != "" {
				out = append(out, policyExpr{r, p, "USING", p.Using})
			}
			if p.WithCheck != "" {
				out = append(out, policyExpr{r, p, "WITH CHECK", p.WithCheck})
			}
		}
	}
	return out
}

// createsTenant reports whether x is the WITH CHECK of a FOR INSERT policy
// on the tenants table: it decides who may create a new tenant ("any
// signed-in user may create a team"), which reaches no other tenant's
// rows (the new row's key is unique), so TFA012 and TFA013 leave it alone.
// Reading or changing existing tenants stays judged.
func (e *env) createsTenant(x policyExpr) bool {
	return x.rel == e.cat.TenantsTable && x.policy.Command == "INSERT" && x.clause == "WITH CHECK"
}

func (x policyExpr) object() string { return fmt.Sprintf("policy %s on %s", x.policy.Name, x.rel) }

func (x policyExpr) result(msg, fix string) Result {
	r := Result{Object: x.object(), Relation: x.rel.String(), Message: msg, Fix: fix,
		where: []pattern{atPolicy(x.rel, x.policy.Name), atCreate(x.rel)}}
	if strings.HasPrefix(fix, "ALTER POLICY ") { // the policy rewritten: SQL as it stands
		r.FixSQL = fix
	}
	return r
}

// isolating is the predicate a fix gives a policy on r: the schema's own
// tenancy predicate when its policies have one (fixmodel.go), else the
// one the reference schema uses.
func (e *env) isolating(r *catalog.Relation) string {
	if p, ok := e.tenancyPredicate(r); ok {
		return p
	}
	if cond, ok := e.cat.TenantFilter(r, "", e.contextValue(e.keyColumn(r, 0))); ok {
		return cond
	}
	return orCol(e.tenantKey(r)) + " = " + e.contextValue(nil)
}

// keyColumn is the column that finally holds r's tenant id: its tenant
// column, the tenants table's key, or its parent's (nil when none).
func (e *env) keyColumn(r *catalog.Relation, depth int) *catalog.Column {
	switch {
	case r == nil || depth > 8:
		return nil
	case r.TenantColumn != "":
		return r.Column(r.TenantColumn)
	case r == e.cat.TenantsTable && len(r.PrimaryKey) == 1:
		return r.Column(r.PrimaryKey[0])
	case r.Parent != nil:
		return e.keyColumn(e.cat.Relation(r.Parent.RefTable), depth+1)
	}
	return nil
}

// contextValue is the tenant context as a policy should read it, typed as
// the tenant column is (no cast for text-like columns; uuid when the
// column is unknown): the setting, or for Supabase-style claims the JSON
// path PostgREST's request.jwt.claims carries it at.
func (e *env) contextValue(col *catalog.Column) string {
	cast := "::uuid"
	if col != nil {
		switch col.BaseType {
		case "text", "varchar", "bpchar", "name", "citext":
			cast = ""
		default:
			cast = "::" + col.Type
		}
	}
	if e.opts.ContextSetting == "request.jwt.claims" {
		return "(nullif(current_setting('request.jwt.claims', true), '')::jsonb -> 'app_metadata' ->> 'tenant_id')" + cast
	}
	return fmt.Sprintf("nullif(current_setting('%s', true), '')%s", e.opts.ContextSetting, cast)
}

// multiplePermissive (TFA011) enforces: for each command the application
// role is granted on a tenant table, at most one permissive policy applies
// to it, unless every one of them restricts rows to the caller on its own.
// Permissive policies are OR-ed, so a second one (a debugging or "admin"
// policy left TO PUBLIC) widens what every tenant sees. When each policy
// alone reads who is asking, constrains the row and is flagged by none of
// the checks that judge one policy (TFA012-TFA016, TFA050, TFA051), the OR
// is the union of rows each already grants (a team's members OR its
// primary owner) and adds no reach: no result. The message names the
// policies that are not so judged. Limits: "restricts rows to the caller"
// is those checks' syntactic judgment, no more; two such policies keyed on
// different columns pass when each check passes each.
func multiplePermissive(e *env) []Result {
	var out []Result
	loose := e.looseAlone()
	for _, r := range e.tenantTables() {
		var parts, wide []string
		seen := map[string]bool{}
		for _, cmd := range commands {
			if !granted(r.Priv, cmd) {
				continue
			}
			ps := e.appPolicies(r, cmd, true)
			if len(ps) < 2 {
				continue
			}
			names := make([]string, len(ps))
			var open []string
			for i, p := range ps {
				names[i] = p.Name
				if why := loose[policyKey(r, p)]; why != "" || !e.readsCaller(p) {
					open = append(open, p.Name)
					if !seen[p.Name] {
						seen[p.Name] = true
						if why == "" {
							why = "does not read who is asking"
						}
						wide = append(wide, p.Name+" "+why)
					}
				}
			}
			if len(open) == 0 {
				continue
			}
			parts = append(parts, cmd+": "+strings.Join(names, " OR "))
		}
		if len(parts) == 0 {
			continue
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s has more than one permissive policy for %s per command (%s): they are OR-ed, so the widest one decides, and %s", r, e.cat.AppRole, strings.Join(parts, "; "), strings.Join(wide, "; ")),
			Fix:     "keep one permissive policy per command for the application role; make extra conditions AS RESTRICTIVE or scope them TO another role",
			where:   append(atPolicies(r), atCreate(r)),
		})
	}
	return out
}

func policyKey(r *catalog.Relation, p catalog.Policy) string { return r.String() + "\x00" + p.Name }

// looseAlone maps each permissive application policy that a single-policy
// check flags to what flags it ("is flagged on its own by TFA012").
func (e *env) looseAlone() map[string]string {
	out := map[string]string{}
	for _, c := range []struct {
		id  string
		run func(*env) []Result
	}{{"TFA012", policyNoContext}, {"TFA013", alwaysTrue}, {"TFA014", failOpenDisjunct}, {"TFA015", nullTenantDisjunct},
		{"TFA016", contextPattern}, {"TFA050", policyOffTenantColumn}, {"TFA051", keyThroughFunction}} {
		for _, res := range c.run(e) {
			for _, r := range e.tenantTables() {
				for _, p := range r.Policies {
					k := policyKey(r, p)
					if res.Object == (policyExpr{rel: r, policy: p}).object() {
						if out[k] == "" {
							out[k] = "is flagged on its own by " + c.id
						} else if !strings.Contains(out[k], c.id) {
							out[k] += ", " + c.id
						}
					}
				}
			}
		}
	}
	return out
}

// readsCaller reports whether each expression of a policy reads who is
// asking (an expression that does not is TFA012's or TFA013's to flag,
// but those leave some alone, e.g. a team's creation).
func (e *env) readsCaller(p catalog.Policy) bool {
	n := 0
	for _, x := range []string{p.Using, p.WithCheck} {
		if x == "" {
			continue
		}
		n++
		if !e.refsContext(x, 3) {
			return false
		}
	}
	return n > 0
}

// policyNoContext (TFA012) enforces: every permissive policy expression
// that applies to the application role and constrains rows reads the
// tenant context (current_setting, current_user or session_user, directly
// or through user functions). An expression over columns alone (USING
// (tenant_id IS NOT NULL), USING (is_public)) lets every tenant see the
// same rows. Limits: expressions that constrain no column are TFA013's;
// context read through a subquery on another table counts as read.
func policyNoContext(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		if len(e.columnsIn(x.expr, x.rel)) == 0 || e.refsContext(x.expr, 3) || e.createsTenant(x) {
			continue
		}
		out = append(out, x.result(
			fmt.Sprintf("%s (%s) never reads the tenant context: every tenant gets the same rows", x.clause, sqltree.OneLine(x.expr, 160)),
			fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
	}
	return out
}

// alwaysTrue (TFA013) enforces: every permissive policy expression that
// applies to the application role depends on the row. An expression that
// names no column of its table, USING (true), (1 = 1), or a test of the
// context alone (current_setting(...) IS NOT NULL), admits every row of
// every tenant whenever it holds. So does one whose every column of the
// row goes to a function that never reads that parameter
// (has_role_on_account(account_id) after the helper's account filter was
// dropped; ignoredkey.go). Limits: a column of the same name read
// inside a subquery counts as the table's own. Not flagged: who may
// create a tenant (createsTenant).
func alwaysTrue(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		if e.createsTenant(x) {
			continue
		}
		if len(e.columnsIn(x.expr, x.rel)) > 0 {
			if what, fn := e.ignoredKey(x); fn != nil {
				out = append(out, x.result(
					fmt.Sprintf("%s (%s) does not depend on the row: it passes %s, which its body never reads, so it admits every row of every tenant whenever it holds", x.clause, sqltree.OneLine(x.expr, 160), what),
					fmt.Sprintf("make %s %s read that parameter (compare it with the rows it checks, e.g. the membership's tenant column), or ALTER POLICY %s ON %s %s with a predicate on the row", fnKind(fn), fnSig(fn), catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause)))
			}
			continue
		}
		what := "admits every row of every tenant whenever it holds"
		if strings.EqualFold(trimParens(x.expr), "true") {
			what = "admits every row of every tenant"
		}
		out = append(out, x.result(
			fmt.Sprintf("%s (%s) does not depend on the row: it %s", x.clause, sqltree.OneLine(x.expr, 160), what),
			fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
	}
	return out
}

// failOpenDisjunct (TFA014) enforces: no top-level OR branch of a
// permissive policy expression is independent of the row. A branch such
// as coalesce(current_setting('app.tenant_id', true), ”) = ” or
// current_setting(..., true) IS NULL turns "no tenant selected" into "all
// tenants". Limits: only top-level OR is split; an OR hidden inside a CASE
// or a function body is not seen (the fail-closed property probes it).
func failOpenDisjunct(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		parts := splitTop(x.expr, "OR")
		if len(parts) < 2 || len(e.columnsIn(x.expr, x.rel)) == 0 {
			continue
		}
		for _, d := range parts {
			if len(e.columnsIn(d, x.rel)) > 0 {
				continue
			}
			out = append(out, x.result(
				fmt.Sprintf("%s has a branch that does not depend on the row, %s: when it holds (for example with no or an empty tenant context) every tenant's rows match", x.clause, sqltree.OneLine(trimParens(d), 160)),
				fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
			break
		}
	}
	return out
}

// nullTenantDisjunct (TFA015) enforces: no top-level OR branch of a
// permissive policy expression is "<tenant column> IS NULL". Rows without
// a tenant are then visible to (and, in WITH CHECK, writable by) every
// tenant: "shared" rows become a cross-tenant channel. Limits: only the
// plain form is recognised, not coalesce() or IS NOT DISTINCT FROM NULL.
func nullTenantDisjunct(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		key := e.tenantKey(x.rel)
		if key == "" {
			continue
		}
		for _, d := range splitTop(x.expr, "OR") {
			w := identifiers(trimParens(d))
			if len(w) == 3 && w[0] == key && w[1] == "is" && w[2] == "null" {
				out = append(out, x.result(
					fmt.Sprintf("%s admits rows whose %s IS NULL to every tenant: untagged rows are shared by all tenants", x.clause, key),
					fmt.Sprintf("ALTER POLICY %[1]s ON %[2]s %[3]s (%[4]s); ALTER TABLE %[2]s ALTER COLUMN %[5]s SET NOT NULL", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel), catalog.QuoteIdent(key))))
				break
			}
		}
	}
	return out
}

// patternOps are how pg_get_expr prints LIKE, ILIKE, regular expressions,
// SIMILAR TO and prefix tests.
var patternOps = []string{"~~", "~*", " ~ ", "!~", "similar_to_escape(", "similar_escape(", "starts_with(", "^@"}

// contextPattern (TFA016) enforces: no permissive policy expression
// matches rows against a pattern built from the tenant context (LIKE ctx
// || '%', ~ ctx, starts_with(col, ctx)). An empty context matches every
// value, a short one matches every tenant whose id starts with it, and
// '%' or '_' in the context are wildcards. Limits: any pattern operator in
// an expression that reads the context is flagged, whichever side it is on.
func contextPattern(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		op := ""
		for _, o := range patternOps {
			if strings.Contains(strings.ToLower(blankStrings(x.expr)), o) {
				op = strings.TrimSpace(strings.TrimSuffix(o, "("))
				break
			}
		}
		if op == "" || !e.refsContext(x.expr, 3) {
			continue
		}
		out = append(out, x.result(
			fmt.Sprintf("%s matches the tenant context as a pattern (%s in %s): an empty or partial context matches other tenants' rows", x.clause, op, sqltree.OneLine(x.expr, 160)),
			fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
	}
	return out
}

// commandWithoutPolicy (TFA017) enforces: every command the application
// role is granted on an RLS-enabled tenant table is covered by a permissive
// policy applying to it. An uncovered command is denied (fail closed, low
// severity); the risk is the broad policy someone adds to make it work.
// Limits: tables with no applicable policy at all are TFA004's.
func commandWithoutPolicy(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if !r.RLSEnabled {
			continue
		}
		var missing []string
		covered := false
		for _, cmd := range commands {
			if !granted(r.Priv, cmd) {
				continue
			}
			if len(e.appPolicies(r, cmd, true)) == 0 {
				missing = append(missing, cmd)
			} else {
				covered = true
			}
		}
		if len(missing) == 0 || !covered {
			continue
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s is granted %s on %s but no permissive policy covers %[2]s: those statements affect no rows", e.cat.AppRole, strings.Join(missing, ", "), r),
			Fix:     fmt.Sprintf("REVOKE %s ON %s FROM %s, or add a policy FOR each of them with USING and WITH CHECK (%s)", strings.Join(missing, ", "), r.QualifiedName(), e.cat.AppRole, e.isolating(r)),
			FixSQL:  fmt.Sprintf("REVOKE %s ON %s FROM %s, PUBLIC", strings.Join(missing, ", "), r.QualifiedName(), e.cat.AppRole),
			where:   append(append(append(atPolicies(r), atDropPolicy(r)), atGrant(r, strings.Join(missing, "|"))...), atCreate(r)),
		})
	}
	return out
}

// missingWithCheck (TFA018) enforces: every permissive policy that governs
// a write the application role is granted (INSERT or UPDATE, through FOR
// INSERT, FOR UPDATE or FOR ALL) states its WITH CHECK. Without one, FOR
// ALL and FOR UPDATE reuse USING for new rows, so a later widening of
// USING (shared rows, an admin branch) silently widens writes too; a FOR
// INSERT policy without WITH CHECK admits no row at all. Neither leaks by
// itself: low severity.
func missingWithCheck(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if !r.Priv.Insert && !r.Priv.Update {
			continue
		}
		for _, p := range r.Policies {
			if !p.Permissive || p.WithCheck != "" || !e.appliesToApp(p) {
				continue
			}
			var msg string
			switch {
			case p.Command == "INSERT" && r.Priv.Insert:
				msg = "FOR INSERT policy has no WITH CHECK: it admits no new row"
			case (p.Command == "ALL" || p.Command == "UPDATE") && (r.Priv.Update || (p.Command == "ALL" && r.Priv.Insert)):
				msg = fmt.Sprintf("FOR %s policy has no WITH CHECK: new rows are checked with USING (%s), so any widening of USING widens writes", p.Command, sqltree.OneLine(p.Using, 160))
			default:
				continue
			}
			x := policyExpr{rel: r, policy: p}
			out = append(out, x.result(msg, fmt.Sprintf("ALTER POLICY %s ON %s WITH CHECK (%s)", catalog.QuoteIdent(p.Name), r.QualifiedName(), e.isolating(r))))
		}
	}
	return out
}

// nullableTenantColumn (TFA019) enforces: the tenant column of every
// tenant table is NOT NULL. A NULL tenant matches no "=" policy (the row is
// lost to everyone) and every "IS NULL" branch (the row is shared by
// everyone); either way ownership is undefined.
func nullableTenantColumn(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		c := r.Column(r.TenantColumn)
		if c == nil || c.NotNull {
			continue
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s.%s allows NULL: a row without a tenant is either invisible to all tenants or, under an IS NULL branch, visible to all", r, c.Name),
			Fix:     fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", r.QualifiedName(), catalog.QuoteIdent(c.Name)),
			where:   []pattern{atAlter(r, `\bALTER\s+(?:COLUMN\s+)?`+identRE(c.Name)+`\s+DROP\s+NOT\s+NULL`), atCreate(r)},
		})
	}
	return out
}

// policyOffTenantColumn (TFA050) enforces: on a table with the tenant
// column, every permissive policy expression that reads the tenant context
// compares it with that column. A policy that matches the context against
// another column (id = ctx, copied from the tenants table's policy)
// isolates by the wrong key: no tenant sees its rows, and the broad fix
// that follows opens them all. Low: it fails closed by itself. Under
// membership tenancy (catalog.Membership) the membership table's own
// policies keyed by its user column (user_id = auth.uid(): a user sees
// their memberships) are the model, not a wrong key, and are left alone.
// Limits: a per-user policy (user_id = auth.uid()) on another tenant table
// is flagged too.
func policyOffTenantColumn(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		key := x.rel.TenantColumn
		cols := e.columnsIn(x.expr, x.rel)
		if key == "" || x.rel == e.cat.TenantsTable || len(cols) == 0 || contains(cols, key) || !e.refsContext(x.expr, 3) {
			continue
		}
		if m := e.cat.Membership; m != nil && x.rel == m.Table && contains(cols, m.UserColumn) {
			continue
		}
		out = append(out, x.result(
			fmt.Sprintf("%s (%s) matches the tenant context against %s, not %s: rows are isolated by the wrong key", x.clause, sqltree.OneLine(x.expr, 160), strings.Join(cols, ", "), key),
			fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
	}
	return out
}
