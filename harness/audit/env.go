package audit

import (
	"regexp"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// env is what a check reads: the catalog, the extra facts, the options,
// and lookups over them.
type env struct {
	cat   *catalog.Catalog
	f     *facts
	opts  Options
	byKey map[string]*catalog.Relation // "schema.name"
	byOID map[uint32]*catalog.Relation
	fnOID map[uint32]*catalog.Function
	// fnName maps a lower-case function name to its overloads.
	fnName  map[string][]*catalog.Function
	tenant  map[*catalog.Relation]bool
	ctxMemo map[uint32]bool
	// keyCall memoises tenancyCall (fixmodel.go).
	keyCall *sqltree.KeyCall
	// colRefs memoises sqltree.ColumnRefs per expression (nil: no parse).
	colRefs map[string][]sqltree.ColumnRef
	// paramMemo memoises params (ignoredkey.go); nil: not readable.
	paramMemo map[uint32][]sqltree.Param
}

func newEnv(cat *catalog.Catalog, f *facts, opts Options) *env {
	e := &env{cat: cat, f: f, opts: opts, byKey: map[string]*catalog.Relation{}, byOID: map[uint32]*catalog.Relation{},
		fnOID: map[uint32]*catalog.Function{}, fnName: map[string][]*catalog.Function{}, tenant: map[*catalog.Relation]bool{},
		ctxMemo: map[uint32]bool{}}
	for _, r := range cat.Relations {
		e.byKey[r.Schema+"."+r.Name] = r
		e.byOID[r.OID] = r
	}
	for _, fn := range cat.Functions {
		e.fnOID[fn.OID] = fn
		e.fnName[strings.ToLower(fn.Name)] = append(e.fnName[strings.ToLower(fn.Name)], fn)
	}
	for _, r := range cat.TenantTables() {
		e.tenant[r] = true
	}
	return e
}

// tenantTables lists the tables holding tenant rows, in name order.
func (e *env) tenantTables() []*catalog.Relation {
	var out []*catalog.Relation
	for _, r := range e.cat.Relations {
		if e.tenant[r] {
			out = append(out, r)
		}
	}
	return out
}

// tenantKey is the column that says whose row it is: the tenant column, or
// the tenants table's single-column primary key.
func (e *env) tenantKey(r *catalog.Relation) string {
	if r.TenantColumn != "" {
		return r.TenantColumn
	}
	if r == e.cat.TenantsTable && len(r.PrimaryKey) == 1 {
		return r.PrimaryKey[0]
	}
	return ""
}

// appliesToApp reports whether a policy applies to the application role:
// it names PUBLIC or a role whose privileges the application role has.
func (e *env) appliesToApp(p catalog.Policy) bool {
	for _, r := range p.Roles {
		if r == "public" || e.f.roles[r].AppUses {
			return true
		}
	}
	return false
}

// appPolicies lists the policies on r that apply to the application role
// for command cmd (SELECT, INSERT, UPDATE, DELETE): those for cmd and
// those FOR ALL. permissive selects permissive or restrictive ones.
func (e *env) appPolicies(r *catalog.Relation, cmd string, permissive bool) []catalog.Policy {
	var out []catalog.Policy
	for _, p := range r.Policies {
		if p.Permissive == permissive && (p.Command == cmd || p.Command == "ALL") && e.appliesToApp(p) {
			out = append(out, p)
		}
	}
	return out
}

// bypasses reports whether queries running as role owner read base without
// its policies: RLS off, a superuser or BYPASSRLS owner, or the table's
// owner (or a role with its privileges) while RLS is not forced.
func (e *env) bypasses(owner string, base *catalog.Relation) bool {
	if !base.RLSEnabled {
		return true
	}
	if rf := e.f.roles[owner]; rf.Super || rf.BypassRLS {
		return true
	}
	return !base.RLSForced && (owner == base.Owner || e.f.usage[owner][base.Owner])
}

// tenantBases lists the tenant tables a view or materialized view reads,
// through any depth of views, in name order.
func (e *env) tenantBases(r *catalog.Relation) []*catalog.Relation {
	seen := map[uint32]bool{}
	var out []*catalog.Relation
	var walk func(oid uint32)
	walk = func(oid uint32) {
		for _, b := range e.f.deps[oid] {
			if seen[b] {
				continue
			}
			seen[b] = true
			base := e.byOID[b]
			if base == nil {
				continue
			}
			if e.tenant[base] {
				out = append(out, base)
			}
			if base.Kind == catalog.KindView || base.Kind == catalog.KindMatView {
				walk(b)
			}
		}
	}
	walk(r.OID)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// body is a function's source as written, comments blanked by
// PostgreSQL's scanner (the full
// definition for SQL-standard bodies, whose prosrc is empty).
func (e *env) body(fn *catalog.Function) string {
	src := fn.Source
	if strings.TrimSpace(src) == "" {
		src = e.f.definitions[fn.OID]
	}
	return sqltree.BlankComments(src)
}

// contextWords are the built-ins through which a predicate learns who is
// asking.
var contextWords = map[string]bool{"current_setting": true, "current_user": true, "session_user": true, "current_role": true}

// refsContext reports whether SQL text reads the tenant context: it calls
// current_setting or reads current_user/session_user, directly or through
// user functions it calls (followed three levels deep).
func (e *env) refsContext(text string, depth int) bool {
	for _, w := range identifiers(text) {
		if contextWords[w] {
			return true
		}
		if depth <= 0 {
			continue
		}
		for _, fn := range e.fnName[w] {
			if e.fnRefsContext(fn, depth-1) {
				return true
			}
		}
	}
	return false
}

func (e *env) fnRefsContext(fn *catalog.Function, depth int) bool {
	if v, ok := e.ctxMemo[fn.OID]; ok {
		return v
	}
	e.ctxMemo[fn.OID] = false // cycles read as "no"
	v := e.refsContext(e.body(fn), depth)
	e.ctxMemo[fn.OID] = v
	return v
}

// columnsIn lists the columns of r that SQL text (a policy expression on
// r, or a branch of one) reads, in column order, resolving names as
// PostgreSQL does (sqltree.ColumnRefs): a bare name inside a subquery
// belongs to the subquery's table when that table has such a column
// (EXISTS (SELECT 1 FROM account_user m WHERE m.account_id = account_id)
// never reads r's account_id), a qualified one to r only when qualified
// with r's name outside any FROM that names it. Text that does not parse
// is read by its words.
func (e *env) columnsIn(text string, r *catalog.Relation) []string {
	refs, seen := e.colRefs[text]
	if !seen {
		var err error
		if refs, err = sqltree.ColumnRefs(text); err != nil {
			refs = nil
		} else if refs == nil {
			refs = []sqltree.ColumnRef{}
		}
		if e.colRefs == nil {
			e.colRefs = map[string][]sqltree.ColumnRef{}
		}
		e.colRefs[text] = refs
	}
	words := map[string]bool{}
	if refs == nil {
		for _, w := range identifiers(text) {
			words[w] = true
		}
	}
	for _, c := range refs {
		if e.refersTo(c, r) {
			words[c.Name] = true
		}
	}
	var out []string
	for _, c := range r.Columns {
		if words[c.Name] {
			out = append(out, c.Name)
		}
	}
	return out
}

// refersTo reports whether a column reference of a policy expression on r
// means r's row. Tables of an enclosing FROM the catalog does not know (a
// CTE, a function) are taken not to capture bare names.
func (e *env) refersTo(c sqltree.ColumnRef, r *catalog.Relation) bool {
	if r.Column(c.Name) == nil {
		return false
	}
	for _, scope := range c.Scopes {
		for _, t := range scope {
			if c.Qualifier != "" {
				if t.Names(c.Qualifier) {
					return false
				}
				continue
			}
			key := "public." + t.Name
			if t.Schema != "" {
				key = t.Schema + "." + t.Name
			}
			if tr := e.byKey[key]; tr != nil && tr.Column(c.Name) != nil {
				return false
			}
		}
	}
	return c.Qualifier == "" || c.Qualifier == r.Name
}

// mentions reports whether text names relation r as a whole word
// (optionally schema-qualified, optionally quoted).
func mentions(text string, r *catalog.Relation) bool {
	return regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9_$"])` + nameRE(r.Schema, r.Name) + `(?:$|[^A-Za-z0-9_$])`).MatchString(text)
}

// callsUserFunction lists the user functions whose names text calls.
func (e *env) callsUserFunction(text string) []*catalog.Function {
	var out []*catalog.Function
	seen := map[uint32]bool{}
	for _, w := range identifiers(text) {
		for _, fn := range e.fnName[w] {
			if !seen[fn.OID] && len(calls(text, fn.Name)) > 0 {
				seen[fn.OID] = true
				out = append(out, fn)
			}
		}
	}
	return out
}

// privNames lists the privileges held, e.g. "SELECT, INSERT".
func privNames(p catalog.Privileges) string {
	var out []string
	for _, x := range []struct {
		ok   bool
		name string
	}{{p.Select, "SELECT"}, {p.Insert, "INSERT"}, {p.Update, "UPDATE"}, {p.Delete, "DELETE"}, {p.Truncate, "TRUNCATE"}, {p.References, "REFERENCES"}, {p.Trigger, "TRIGGER"}} {
		if x.ok {
			out = append(out, x.name)
		}
	}
	return strings.Join(out, ", ")
}

// granted reports whether the application role holds the privilege for cmd.
func granted(p catalog.Privileges, cmd string) bool {
	switch cmd {
	case "SELECT":
		return p.Select
	case "INSERT":
		return p.Insert
	case "UPDATE":
		return p.Update
	case "DELETE":
		return p.Delete
	}
	return false
}

// commands are the commands policies cover, in report order.
var commands = []string{"SELECT", "INSERT", "UPDATE", "DELETE"}

// fnSig is "name(args)" for messages, schema-qualified outside public.
func fnSig(fn *catalog.Function) string {
	name := fn.Name
	if fn.Schema != "public" {
		name = fn.Schema + "." + name
	}
	return name + "(" + fn.IdentityArgs + ")"
}

// fnKind is "function" or "procedure".
func fnKind(fn *catalog.Function) string {
	if fn.Kind == "p" {
		return "procedure"
	}
	return "function"
}

func sortStrings(s []string) { sort.Strings(s) }
