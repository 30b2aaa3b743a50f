package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// contextMismatch (TFA052) enforces: the context strategy sets a setting
// the policies read. Policies reading app.current_tenant while the
// application (or a run without --context-sql) sets app.tenant_id see no
// tenant context at all: with missing_ok they match no row, without it
// every statement raises, and either way isolation is never exercised: a
// dynamic run over such a target is blind, not green. Scope: the policies
// that apply to the application role, read with PostgreSQL's parser
// together with the user functions they call (transitively), against the
// context statement (--context or --context-sql) and the functions it
// calls. Limits: a setting named by a variable, or a function in a
// language other than SQL and PL/pgSQL, leaves the comparison undecided
// and the check quiet; one result per setting read, at the first policy
// that reads it.
func contextMismatch(e *env) []Result {
	stmt := e.opts.ContextSQL
	if strings.TrimSpace(stmt) == "" {
		stmt = fmt.Sprintf("select set_config('%s', '%s', true)", strings.ReplaceAll(e.opts.ContextSetting, "'", "''"), sampleTenant)
	}
	d := harness.AnalyzeContext(harness.ContextInput{Catalog: e.cat, Definitions: e.f.definitions, Applies: e.appliesToApp,
		Strategy: e.opts.Strategy, Statement: stmt, SampleID: sampleTenant})
	if !d.Mismatch() {
		return nil
	}
	strategy := "the context strategy"
	if d.Strategy != "" {
		strategy += " " + d.Strategy
	}
	sets := "sets no custom setting"
	if s := d.SetSettings(); len(s) > 0 {
		sets = "sets " + strings.Join(s, ", ")
	}
	var out []Result
	for _, name := range d.ReadSettings() {
		var first harness.SettingUse
		var where []string
		raising := false
		for _, u := range d.Reads {
			if u.Setting != name {
				continue
			}
			if len(where) == 0 {
				first = u
			}
			where = append(where, u.String())
			raising = raising || !u.MissingOK
		}
		effect := "every policy reading it matches no row"
		if raising {
			effect = "policies that read it without missing_ok raise on every statement"
		}
		msg := fmt.Sprintf("policies read %s (%s), but %s (%s) %s: every tenant statement runs without a tenant context (%s), so isolation is never exercised",
			name, list(where), strategy, d.Statement, sets, effect)
		r := Result{Object: "setting " + name, Message: msg,
			Fix: fmt.Sprintf("set %s in the context statement. %s", name, harness.FixFor(name))}
		if rel := e.relationNamed(first.Relation); rel != nil {
			r.where = []pattern{atPolicy(rel, first.Policy), atCreate(rel)}
		}
		out = append(out, r)
	}
	return out
}

// list is "a, b and 3 more".
func list(items []string) string {
	if len(items) > 2 {
		return fmt.Sprintf("%s, %s and %d more", items[0], items[1], len(items)-2)
	}
	return strings.Join(items, ", ")
}

// relationNamed returns the relation the catalog prints as name, or nil.
func (e *env) relationNamed(name string) *catalog.Relation {
	for _, r := range e.cat.Relations {
		if r.String() == name {
			return r
		}
	}
	return nil
}
