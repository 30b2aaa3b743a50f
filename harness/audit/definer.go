package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// A SECURITY DEFINER function that reads tenant tables is safe when every
// statement that reaches them is tied to the caller: the membership
// helpers Supabase team schemas use (has_role_on_account(account_id):
// "WHERE user_id = auth.uid() AND account_id = $1"), or a function that
// checks membership before anything else (IF NOT is_member(id) THEN RAISE).
// This file reads function bodies with PostgreSQL's parsers
// (sqltree.Accesses) to tell those from the unsafe ones, and says which
// statement is unsafe.

// caller reports whether a call, as written, reads who is asking:
// current_setting, or a user function that does (auth.uid(), a membership
// helper), followed a few levels deep.
func (e *env) caller(c sqltree.Call) bool {
	name := strings.ToLower(c.Name)
	if name == "current_setting" && (c.Schema == "" || c.Schema == "pg_catalog") {
		return true
	}
	for _, fn := range e.fnName[name] {
		if (c.Schema == "" || strings.EqualFold(c.Schema, fn.Schema)) && e.fnRefsContext(fn, 4) {
			return true
		}
	}
	return false
}

// tenantAccess is one statement of a function body that touches a tenant
// table.
type tenantAccess struct {
	rel *catalog.Relation
	sqltree.Access
}

// tenantAccesses lists the statements of fn that touch tenant tables. ok
// is false when the body cannot be read with a parser (another language,
// a parse error): callers then fall back on the name search.
func (e *env) tenantAccesses(fn *catalog.Function) ([]tenantAccess, bool) {
	as, ok := e.accesses(fn)
	var out []tenantAccess
	for _, a := range as {
		if a.rel != nil && e.tenant[a.rel] {
			out = append(out, a)
		}
	}
	return out, ok
}

// accesses lists every table access of fn's body (rel nil for tables the
// catalog does not list); ok is false when the body cannot be parsed.
func (e *env) accesses(fn *catalog.Function) ([]tenantAccess, bool) {
	src := fn.Source
	lang := strings.ToLower(fn.Language)
	switch {
	case lang == "plpgsql" || strings.TrimSpace(src) == "":
		src = e.f.definitions[fn.OID]
	}
	if src == "" {
		return nil, false
	}
	as, err := sqltree.Accesses(lang, src, e.caller)
	if err != nil {
		return nil, false
	}
	out := make([]tenantAccess, len(as))
	for i, a := range as {
		out[i] = tenantAccess{e.resolve(a.Schema, a.Table, fn), a}
	}
	e.tieInserts(out)
	return out, true
}

// resolve finds the relation a name in fn's body means: schema-qualified
// as written, else through the function's fixed search_path, else public.
func (e *env) resolve(schema, name string, fn *catalog.Function) *catalog.Relation {
	if schema != "" {
		return e.byKey[schema+"."+name]
	}
	path, fixed := searchPath(fn)
	if !fixed {
		path = []string{"public"}
	}
	for _, s := range path {
		if r := e.byKey[s+"."+name]; r != nil {
			return r
		}
	}
	return nil
}

// untied returns the accesses of fn to tenant tables that nothing ties to
// the caller, and the tenant tables fn touches at all. When the body
// cannot be parsed every table it names counts as untied (the old,
// name-based reading).
func (e *env) untied(fn *catalog.Function) (untied []tenantAccess, tables []*catalog.Relation) {
	as, ok := e.tenantAccesses(fn)
	if !ok {
		for _, r := range e.readsTenantTables(fn) {
			untied = append(untied, tenantAccess{rel: r, Access: sqltree.Access{Kind: "SELECT", How: "its body names it (not read with a parser)"}})
			tables = append(tables, r)
		}
		return untied, tables
	}
	seen := map[*catalog.Relation]bool{}
	for _, a := range as {
		if !seen[a.rel] {
			seen[a.rel] = true
			tables = append(tables, a.rel)
		}
		if !a.Tied {
			untied = append(untied, a)
		}
	}
	return untied, tables
}

// describe says what an untied access does: "SELECT on accounts in
// `SELECT ... WHERE a.id = $1`: nothing in it ties the rows to the caller".
func (a tenantAccess) describe() string {
	name := a.Table
	if a.rel != nil {
		name = a.rel.String()
	}
	s := fmt.Sprintf("%s on %s", a.Kind, name)
	if a.Stmt != "" {
		s += fmt.Sprintf(" in `%s`", a.Stmt)
	}
	return s + ": " + a.How
}

// untiedRels lists the distinct relations of accesses, in order.
func untiedRels(as []tenantAccess) []*catalog.Relation {
	var out []*catalog.Relation
	seen := map[*catalog.Relation]bool{}
	for _, a := range as {
		if !seen[a.rel] {
			seen[a.rel] = true
			out = append(out, a.rel)
		}
	}
	return out
}

// triggerTied reports whether every statement of a trigger function is
// tied to the caller (the body parses and each access runs inside or after
// a check of the caller, or filters by it): such a trigger writes only
// what the caller may (a new team's owner row for its creator).
func (e *env) triggerTied(fn *catalog.Function) bool {
	as, ok := e.accesses(fn)
	if !ok || len(as) == 0 {
		return false
	}
	for _, a := range as {
		if !a.Tied {
			return false
		}
	}
	return true
}
