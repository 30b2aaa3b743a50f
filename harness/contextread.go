package harness

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// SettingUse is one place where a custom setting is read or set.
type SettingUse struct {
	// Setting is the setting's name, lower-case (app.current_tenant).
	Setting string `json:"setting"`
	// Where is the object that reads or sets it: "policy p on t", or for
	// the context statement "the context statement".
	Where string `json:"where"`
	// Policy and Relation name a policy and its relation (as the catalog
	// prints it) for a policy's read.
	Policy   string `json:"policy,omitempty"`
	Relation string `json:"relation,omitempty"`
	// Via lists the functions followed from Where to the call, outermost
	// first (public.current_account(), auth.jwt()).
	Via []string `json:"via,omitempty"`
	// MissingOK (reads): current_setting(name, true); an unset setting
	// reads as NULL. Without it the read raises where the setting is unset.
	MissingOK bool `json:"missing_ok,omitempty"`
	// Local (sets): transaction-local (set_config(..., true), SET LOCAL).
	Local bool `json:"local,omitempty"`
}

// String is "policy p on t" or "policy p on t via f(), g()".
func (u SettingUse) String() string {
	if len(u.Via) == 0 {
		return u.Where
	}
	return u.Where + " via " + strings.Join(u.Via, ", ")
}

// contextSources is what a context analysis reads: the catalog, the full
// definitions of functions (pg_get_functiondef by OID; needed for
// PL/pgSQL and SQL-standard bodies), which policies count, and the
// statement the context strategy runs.
type contextSources struct {
	cat         *catalog.Catalog
	definitions map[uint32]string
	applies     func(catalog.Policy) bool
	statement   string
}

// contextReader follows calls from policies and the context statement into
// user functions, transitively and cycle-safe, and collects the settings
// they read and set.
type contextReader struct {
	src    contextSources
	byName map[string][]*catalog.Function // lower-case name
	memo   map[uint32]*fnUses
	// unparsed lists the objects whose SQL could not be read.
	unparsed []string
}

// fnUses is what one function does with settings, callees included.
type fnUses struct {
	reads, sets []SettingUse // Where empty, Via starting with callees
	dynReads    bool         // current_setting with a name that is not a constant
	dynSets     bool         // set_config/SET with a name that is not a constant
	opaque      bool         // calls a user function whose body cannot be read
}

func newContextReader(src contextSources) *contextReader {
	r := &contextReader{src: src, byName: map[string][]*catalog.Function{}, memo: map[uint32]*fnUses{}}
	for _, fn := range src.cat.Functions {
		r.byName[strings.ToLower(fn.Name)] = append(r.byName[strings.ToLower(fn.Name)], fn)
	}
	return r
}

// supabaseAuth are Supabase's request-identity functions: when the
// database does not define them (no shim, a dump without the auth
// schema), a call reads request.jwt.claims as Supabase's own do.
var supabaseAuth = map[string]bool{"uid": true, "jwt": true, "role": true, "email": true}

// uses turns parsed facts into uses, following calls of user functions.
func (r *contextReader) uses(f sqltree.Facts) *fnUses {
	out := &fnUses{}
	for _, rd := range f.Reads {
		switch {
		case rd.Dynamic:
			out.dynReads = true
		case custom(rd.Name):
			out.reads = append(out.reads, SettingUse{Setting: rd.Name, MissingOK: rd.MissingOK})
		}
	}
	for _, w := range f.Writes {
		switch {
		case w.Dynamic:
			out.dynSets = true
		case custom(w.Name):
			out.sets = append(out.sets, SettingUse{Setting: w.Name, Local: w.Local})
		}
	}
	for _, c := range f.Calls {
		fns := r.resolve(c)
		if len(fns) == 0 && c.Schema == "auth" && supabaseAuth[c.Name] {
			out.reads = append(out.reads, SettingUse{Setting: "request.jwt.claims", MissingOK: true, Via: []string{"auth." + c.Name + "()"}})
		}
		for _, fn := range fns {
			sub := r.function(fn)
			name := fnName(fn)
			for _, u := range sub.reads {
				u.Via = append([]string{name}, u.Via...)
				out.reads = append(out.reads, u)
			}
			for _, u := range sub.sets {
				u.Via = append([]string{name}, u.Via...)
				out.sets = append(out.sets, u)
			}
			out.dynReads = out.dynReads || sub.dynReads
			out.dynSets = out.dynSets || sub.dynSets
			out.opaque = out.opaque || sub.opaque
		}
	}
	return out
}

// custom reports whether a setting is a custom (dotted) one: the kind
// that carries an application's tenant context.
func custom(name string) bool { return strings.Contains(name, ".") }

// resolve lists the user functions a call may reach: by name, in the
// schema written or, unqualified, in any schema (the search_path at run
// time decides; every candidate is followed).
func (r *contextReader) resolve(c sqltree.Call) []*catalog.Function {
	var out []*catalog.Function
	for _, fn := range r.byName[strings.ToLower(c.Name)] {
		if c.Schema == "" || strings.EqualFold(fn.Schema, c.Schema) {
			out = append(out, fn)
		}
	}
	return out
}

// function reads one function's body, once; a function met again while
// it is being read (recursion) adds nothing more.
func (r *contextReader) function(fn *catalog.Function) *fnUses {
	if u, ok := r.memo[fn.OID]; ok {
		return u
	}
	r.memo[fn.OID] = &fnUses{}
	f, ok := r.body(fn)
	if !ok {
		u := &fnUses{opaque: true}
		r.memo[fn.OID] = u
		return u
	}
	u := r.uses(f)
	r.memo[fn.OID] = u
	return u
}

// body parses a function: SQL bodies from prosrc, SQL-standard bodies and
// PL/pgSQL from the definition. Other languages are opaque.
func (r *contextReader) body(fn *catalog.Function) (sqltree.Facts, bool) {
	def := r.src.definitions[fn.OID]
	var f sqltree.Facts
	var err error
	switch {
	case fn.Language == "sql" && strings.TrimSpace(fn.Source) != "":
		f, err = sqltree.Statements(fn.Source)
	case fn.Language == "sql" && def != "":
		f, err = sqltree.Statements(def)
	case fn.Language == "plpgsql":
		if def == "" {
			def = fmt.Sprintf("CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS %s", catalog.QuoteQualified(fn.Schema, fn.Name), fn.IdentityArgs, fn.Result, dollarQuote(fn.Source))
		}
		f, err = sqltree.PlPgSQL(def)
	default:
		return f, false
	}
	if err != nil {
		r.unparsed = append(r.unparsed, fmt.Sprintf("function %s: %v", fnName(fn), err))
		return f, false
	}
	return f, true
}

// fnName is "name()" in schema public, "schema.name()" elsewhere.
func fnName(fn *catalog.Function) string {
	if fn.Schema == "public" {
		return fn.Name + "()"
	}
	return fn.Schema + "." + fn.Name + "()"
}

// dollarQuote quotes a body with a dollar tag it does not contain.
func dollarQuote(s string) string {
	tag := "$tf$"
	for i := 0; strings.Contains(s, tag); i++ {
		tag = fmt.Sprintf("$tf%d$", i)
	}
	return tag + s + tag
}

// policyReads lists the settings every policy that applies reads, with
// missing_ok, through the functions they call.
func (r *contextReader) policyReads() (reads []SettingUse, dynamic, opaque bool) {
	for _, rel := range r.src.cat.Relations {
		if !rel.RLSEnabled {
			continue
		}
		for _, p := range rel.Policies {
			if r.src.applies != nil && !r.src.applies(p) {
				continue
			}
			where := fmt.Sprintf("policy %s on %s", p.Name, rel)
			for _, expr := range []string{p.Using, p.WithCheck} {
				if strings.TrimSpace(expr) == "" {
					continue
				}
				f, err := sqltree.Expr(expr)
				if err != nil {
					r.unparsed = append(r.unparsed, where+": "+err.Error())
					continue
				}
				u := r.uses(f)
				for _, x := range u.reads {
					x.Where, x.Policy, x.Relation = where, p.Name, rel.String()
					reads = append(reads, x)
				}
				dynamic = dynamic || u.dynReads
				opaque = opaque || u.opaque
			}
		}
	}
	return reads, dynamic, opaque
}

// statementSets lists the settings the context statement sets, through
// the functions it calls.
func (r *contextReader) statementSets() (sets []SettingUse, dynamic, opaque bool) {
	if strings.TrimSpace(r.src.statement) == "" {
		return nil, false, true
	}
	f, err := sqltree.Statements(r.src.statement)
	if err != nil {
		r.unparsed = append(r.unparsed, "the context statement: "+err.Error())
		return nil, false, true
	}
	u := r.uses(f)
	for _, x := range u.sets {
		x.Where = "the context statement"
		sets = append(sets, x)
	}
	return sets, u.dynSets, u.opaque
}
