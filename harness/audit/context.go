package audit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// literal returns the value of a SQL string literal argument ('x' or
// 'x'::text), and whether it is one.
func literal(arg string) (string, bool) {
	a := strings.TrimSpace(trimParens(arg))
	if i := strings.LastIndex(a, "::"); i > 0 && strings.HasSuffix(strings.TrimSpace(a[:i]), "'") {
		a = strings.TrimSpace(a[:i])
	}
	if len(a) < 2 || a[0] != '\'' || a[len(a)-1] != '\'' || skipQuoted(a, 0) != len(a) {
		return "", false
	}
	return strings.ReplaceAll(a[1:len(a)-1], "''", "'"), true
}

// customSetting reports whether a setting-name argument names a custom
// (dotted) setting, or cannot be read (not a literal): both may hold the
// tenant context.
func customSetting(arg string) (string, bool) {
	name, ok := literal(arg)
	if !ok {
		return sqltree.OneLine(arg, 160), true
	}
	return name, strings.Contains(name, ".")
}

// textSource is one piece of SQL the context checks read.
type textSource struct {
	object, relation string
	text             string
	fn               *catalog.Function // nil for policies and --context-sql
	where            []pattern
}

// contextSources lists the function bodies, and optionally the application
// role's policy expressions on tenant tables and the context statement.
func (e *env) contextSources(withPolicies, withContextSQL bool) []textSource {
	var out []textSource
	if withContextSQL && e.opts.ContextSQL != "" {
		out = append(out, textSource{object: "context statement " + sqltree.OneLine(e.opts.ContextSQL, 160), text: e.opts.ContextSQL})
	}
	if withPolicies {
		for _, x := range e.appExprs() {
			out = append(out, textSource{object: x.object(), relation: x.rel.String(), text: x.expr,
				where: []pattern{atPolicy(x.rel, x.policy.Name), atCreate(x.rel)}})
		}
	}
	for _, fn := range e.cat.Functions {
		out = append(out, textSource{object: fnKind(fn) + " " + fnSig(fn), text: e.body(fn), fn: fn, where: atFunction(fn, "")})
	}
	return out
}

// currentSettingStrict (TFA020) enforces: the tenant context is read with
// current_setting(name, true). Without missing_ok the call raises in any
// session that has not set it (a fresh pooled connection, a background
// job), and teams then add a permissive fallback. Scope: policy
// expressions that apply to the application role on tenant tables, and
// every user function. Limits: only custom (dotted) settings are flagged;
// a setting named by a variable is flagged as well.
func currentSettingStrict(e *env) []Result {
	var out []Result
	seen := map[string]bool{}
	for _, s := range e.contextSources(true, false) {
		for _, args := range calls(s.text, "current_setting") {
			name, custom := "", false
			if len(args) == 1 {
				name, custom = customSetting(args[0])
			}
			if !custom || seen[s.object] {
				continue
			}
			seen[s.object] = true
			fix := fmt.Sprintf("use nullif(current_setting('%s', true), '') so that a missing context reads as NULL and matches no row", name)
			out = append(out, Result{Object: s.object, Relation: s.relation, where: s.where, Fix: fix,
				Message: fmt.Sprintf("reads current_setting('%s') without missing_ok: it raises where the context is unset, which invites a permissive fallback", name)})
		}
	}
	return out
}

// sessionSetConfig (TFA021) enforces: the tenant context is set only for
// the transaction, set_config(name, value, true). With is_local false it
// survives COMMIT, so the next borrower of a pooled connection (PgBouncer
// transaction pooling, a pgx pool) starts as the previous tenant. Scope:
// every user function and the application's context statement (--context
// or --context-sql). Limits: only a literal false is recognised; an
// is_local passed in as a parameter is not.
func sessionSetConfig(e *env) []Result {
	var out []Result
	for _, s := range e.contextSources(false, true) {
		for _, args := range calls(s.text, "set_config") {
			if len(args) != 3 || !isFalse(args[2]) {
				continue
			}
			name, custom := customSetting(args[0])
			if !custom {
				continue
			}
			out = append(out, Result{Object: s.object, Relation: s.relation, where: s.where,
				Message: fmt.Sprintf("calls set_config('%s', ..., false): the setting outlives the transaction and leaks to the next user of the connection", name),
				Fix:     fmt.Sprintf("set_config('%s', $1, true) inside the request's transaction, the tenant id bound as $1", name)})
			break
		}
	}
	return out
}

// sessionWrite names the first session-level SET of a custom setting,
// ROLE or SESSION AUTHORIZATION in f ("" when none).
func sessionWrite(f sqltree.Facts) string {
	for _, w := range f.Writes {
		if w.Via != "SET" || w.Local {
			continue
		}
		switch {
		case w.Name == "role":
			return "ROLE"
		case w.Name == "session_authorization":
			return "SESSION AUTHORIZATION"
		case strings.Contains(w.Name, "."):
			return w.Name
		}
	}
	return ""
}

// treeFacts reads a source with PostgreSQL's parsers: a PL/pgSQL function
// from its definition, a SQL function from its body (or its definition,
// for a SQL-standard body), the context statement as it is. ok is false
// when it does not parse or is in another language.
func (e *env) treeFacts(s textSource) (sqltree.Facts, bool) {
	var f sqltree.Facts
	var err error
	switch {
	case s.fn == nil:
		f, err = sqltree.Statements(s.text)
	case strings.EqualFold(s.fn.Language, "plpgsql"):
		f, err = sqltree.PlPgSQL(e.f.definitions[s.fn.OID])
	case strings.EqualFold(s.fn.Language, "sql") && strings.TrimSpace(s.fn.Source) != "":
		f, err = sqltree.Statements(s.fn.Source)
	case strings.EqualFold(s.fn.Language, "sql"):
		f, err = sqltree.Statements(e.f.definitions[s.fn.OID])
	default:
		return f, false
	}
	return f, err == nil
}

// sessionSet (TFA022) enforces: neither a user function nor the
// application's context statement runs a session-level SET of a custom
// setting, SET ROLE or SET SESSION AUTHORIZATION (also inside EXECUTE
// strings). Like set_config(..., false) it outlives the
// transaction; a role switched per tenant stays switched for the next
// borrower. Statements are read with PostgreSQL's parsers (sqltree): SET
// LOCAL, an UPDATE ... SET, or a SET in a comment or a string never count.
// Limits: a body that does not parse, or in another language than sql
// and plpgsql, is not read; an EXECUTE of a statement assembled from
// variables is not seen (TFA023 flags the concatenation).
func sessionSet(e *env) []Result {
	var out []Result
	for _, s := range e.contextSources(false, true) {
		f, ok := e.treeFacts(s)
		if !ok {
			continue
		}
		what := sessionWrite(f)
		if what == "" {
			continue
		}
		out = append(out, Result{Object: s.object, where: s.where,
			Message: fmt.Sprintf("runs a session-level SET %s: it outlives the transaction and leaks to the next user of the connection", what),
			Fix:     "use SET LOCAL, or set_config(name, value, true), inside the request's transaction"})
	}
	return out
}

// executeStatements lists the dynamic-SQL statements (EXECUTE ...;) of a
// PL/pgSQL body.
func executeStatements(body string) []string {
	var out []string
	start := -1
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c == '\'' || c == '"':
			i = skipQuoted(body, i) - 1
		case c == ';':
			if start >= 0 {
				out = append(out, body[start:i])
				start = -1
			}
		case start < 0 && hasWordAt(body, i, "EXECUTE"):
			start = i
		}
	}
	return out
}

var quoting = regexp.MustCompile(`(?i)\b(?:quote_literal|quote_ident|quote_nullable)\s*\(|%[LI]`)

// dynamicSQLConcat (TFA023) enforces: PL/pgSQL functions the application
// role may execute build dynamic SQL with quoting: format() with %L/%I,
// quote_literal/quote_ident, or EXECUTE ... USING. Concatenating a tenant
// id into SET app.tenant_id = '...' or a WHERE clause lets a crafted id
// inject SQL (docs/leaks.md entry 22). Limits: a statement that quotes one value and
// concatenates another passes; concatenated constants are flagged.
func dynamicSQLConcat(e *env) []Result {
	var out []Result
	for _, fn := range e.cat.Functions {
		if !fn.Execute || fn.Language != "plpgsql" {
			continue
		}
		for _, st := range executeStatements(e.body(fn)) {
			code := blankStrings(st)
			concat := strings.Contains(code, "||")
			fmtS := strings.Contains(strings.ToLower(code), "format") && strings.Contains(st, "%s")
			if (!concat && !fmtS) || quoting.MatchString(st) {
				continue
			}
			out = append(out, Result{Object: fnKind(fn) + " " + fnSig(fn), where: atFunction(fn, ""),
				Message: fmt.Sprintf("builds dynamic SQL without quoting (%s): a crafted argument injects SQL", sqltree.OneLine(st, 160)),
				Fix:     "EXECUTE format('... %L ...', value), or EXECUTE '... $1 ...' USING value; for the context use set_config(name, value, true)"})
			break
		}
	}
	return out
}
