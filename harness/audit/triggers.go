package audit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// leakproofFunction (TFA034) enforces: no user function outside
// pg_catalog is LEAKPROOF. The planner runs leakproof functions and
// operators before the policy's filter, so a function that can raise an
// error or log its argument shows other tenants' values. Only a superuser
// can set it; it is almost always a mistake outside the core.
func leakproofFunction(e *env) []Result {
	var out []Result
	for _, fn := range e.cat.Functions {
		if !fn.Leakproof || fn.Schema == "pg_catalog" {
			continue
		}
		out = append(out, Result{
			Object:  fnKind(fn) + " " + fnSig(fn),
			Message: fmt.Sprintf("%s is LEAKPROOF: it may run on other tenants' rows before the policy filters them, and whatever it raises or logs leaks", fnSig(fn)),
			FixSQL:  fmt.Sprintf("ALTER FUNCTION %s NOT LEAKPROOF", fnSig(fn)),
			where:   atFunction(fn, `\bLEAKPROOF\b`),
		})
	}
	return out
}

// assignRE finds assignments to NEW.<column> in a trigger body; the
// column is substituted in.
const assignRE = `(?is)(?:^|;|\bTHEN\b|\bELSE\b|\bBEGIN\b|\bLOOP\b)\s*NEW\s*\.\s*"?%s"?\s*:?=\s*([^;]*)|\bINTO\s+NEW\s*\.\s*"?%[1]s"?`

// triggerSetsTenant (TFA035) enforces: no BEFORE ROW trigger on a tenant
// table assigns NEW.<tenant column>. The tenant of a row is then decided by
// trigger code (a lookup through another table, a column the client sent)
// rather than by the client's statement under the policy; a SECURITY
// DEFINER or buggy lookup files rows under another tenant. Graded low when
// the value is read from the tenant context (a common, benign default),
// medium otherwise. Limits: the assignment is found lexically in PL/pgSQL.
func triggerSetsTenant(e *env) []Result {
	var out []Result
	for _, tg := range e.f.triggers {
		r := e.byOID[tg.Relation]
		fn := e.fnOID[tg.Function]
		if r == nil || fn == nil || !e.tenant[r] || !tg.Before || !tg.Row {
			continue
		}
		key := e.tenantKey(r)
		if key == "" {
			continue
		}
		m := regexp.MustCompile(fmt.Sprintf(assignRE, regexp.QuoteMeta(key))).FindStringSubmatch(e.body(fn))
		if m == nil {
			continue
		}
		sev, from := harness.SeverityMedium, "from "+sqltree.OneLine(m[1], 160)
		if m[1] == "" {
			from = "with SELECT ... INTO"
		} else if e.refsContext(m[1], 3) {
			sev = harness.SeverityLow
		}
		out = append(out, Result{
			Severity: sev, Object: fmt.Sprintf("trigger %s on %s", tg.Name, r), Relation: r.String(),
			Message: fmt.Sprintf("BEFORE %s trigger %s sets NEW.%s %s (function %s): trigger code, not the policy, decides whose row it is", strings.Join(tg.Events, "/"), tg.Name, key, from, fnSig(fn)),
			Fix:     fmt.Sprintf("let the policy's WITH CHECK (%s) reject foreign tenants instead of rewriting %s in %s", e.isolating(r), key, fnSig(fn)),
			where:   append([]pattern{atTrigger(r, tg.Name)}, atFunction(fn, "")...),
		})
	}
	return out
}

// definerTrigger (TFA036) enforces: no trigger on a tenant table runs a
// SECURITY DEFINER function. It runs as the function's owner on every
// tenant's writes, so whatever it writes elsewhere (audit logs, counters,
// copies) is written past the caller's policies. A trigger function whose
// every statement is tied to the caller (definer.go: it runs inside IF
// NEW.owner = auth.uid(), or after a check that raises) is not flagged:
// it writes only what the caller is entitled to.
func definerTrigger(e *env) []Result {
	var out []Result
	for _, tg := range e.f.triggers {
		r := e.byOID[tg.Relation]
		fn := e.fnOID[tg.Function]
		if r == nil || fn == nil || !e.tenant[r] || !fn.SecurityDefiner || e.triggerTied(fn) {
			continue
		}
		out = append(out, Result{
			Object: fmt.Sprintf("trigger %s on %s", tg.Name, r), Relation: r.String(),
			Message: fmt.Sprintf("trigger %s on %s runs SECURITY DEFINER %s as %s on every tenant's %s", tg.Name, r, fnSig(fn), fn.Owner, strings.Join(tg.Events, "/")),
			Fix:     fmt.Sprintf("ALTER FUNCTION %s SECURITY INVOKER, and give the tables it writes their own tenant policies", fnSig(fn)),
			FixSQL:  fmt.Sprintf("ALTER FUNCTION %s SECURITY INVOKER", fnSig(fn)),
			where:   append([]pattern{atTrigger(r, tg.Name)}, atFunction(fn, `\bSECURITY\s+DEFINER\b`)...),
		})
	}
	return out
}
