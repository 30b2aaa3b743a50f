package sqltree

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// PlPgSQL reads a PL/pgSQL function from its full definition (CREATE
// FUNCTION ... LANGUAGE plpgsql AS $$...$$, as pg_get_functiondef gives
// it): PostgreSQL's PL/pgSQL parser splits the body into statements and
// the SQL expressions inside them, which are read like any SQL.
//
// Dynamic SQL (EXECUTE) is read as far as it is constant: a string
// constant that is a whole statement (or a format() string) is parsed; one that starts a SET of a
// custom setting ('SET app.tenant_id = ' || ...) counts as that SET.
// Limits: a statement assembled from variables is not seen.
func PlPgSQL(definition string) (Facts, error) {
	js, err := pg_query.ParsePlPgSqlToJSON(definition)
	if err != nil {
		return Facts{}, fmt.Errorf("parse PL/pgSQL: %w", err)
	}
	var tree any
	if err := json.Unmarshal([]byte(js), &tree); err != nil {
		return Facts{}, fmt.Errorf("read PL/pgSQL tree: %w", err)
	}
	var f Facts
	var firstErr error
	walkJSON(tree, false, func(query string, mode int, dynamic bool) {
		g, err := plExpr(query, mode)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		f.add(g)
		if dynamic {
			f.add(dynamicSQL(query))
		}
	})
	return f, firstErr
}

// PL/pgSQL expression parse modes (libpg_query's RawParseMode).
const (
	modeDefault = 0 // a whole statement
	modeExpr    = 2 // an expression
)

// plExpr parses one PLpgSQL_expr query by its parse mode: statements as
// they are, expressions after SELECT, assignments (v := expr) from the
// right-hand side.
func plExpr(query string, mode int) (Facts, error) {
	switch mode {
	case modeDefault:
		return Statements(query)
	case modeExpr:
		return Expr(query)
	default:
		if _, rhs, ok := strings.Cut(query, ":="); ok {
			return Expr(rhs)
		}
		return Expr(query)
	}
}

// walkJSON calls fn with every PLpgSQL_expr of a PL/pgSQL tree; dynamic is
// true inside EXECUTE (PLpgSQL_stmt_dynexecute, dynfors, open ... for
// execute).
func walkJSON(v any, dynamic bool, fn func(query string, mode int, dynamic bool)) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkJSON(e, dynamic, fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e := x[k]
			switch k {
			case "PLpgSQL_expr":
				m, _ := e.(map[string]any)
				q, _ := m["query"].(string)
				mode, _ := m["parseMode"].(float64)
				if q != "" {
					fn(q, int(mode), dynamic)
				}
			case "PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors":
				walkJSON(e, true, fn)
			case "dynquery":
				walkJSON(e, true, fn)
			default:
				walkJSON(e, dynamic, fn)
			}
		}
	}
}

// setPrefixRE matches the start of a SET of a custom setting in a string
// constant of dynamic SQL.
var setPrefixRE = regexp.MustCompile(`(?is)^\s*SET\s+(LOCAL\s+|SESSION\s+)?("?[a-z_][a-z0-9_$]*"?\s*\.\s*"?[a-z_][a-z0-9_$.]*"?)\s*(=|TO\b)`)

// formatRE matches format() placeholders, replaced by NULL so that a
// format string parses as the statement it becomes.
var formatRE = regexp.MustCompile(`%(\d+\$)?-?[sIL]`)

// dynamicSQL reads the string constants of an EXECUTE expression: whole
// statements are parsed, SET prefixes recognised.
func dynamicSQL(expr string) Facts {
	var f Facts
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return f
	}
	for _, s := range stringConsts(tree) {
		if g, err := Statements(formatRE.ReplaceAllString(s, "NULL")); err == nil {
			f.add(g)
			continue
		}
		if m := setPrefixRE.FindStringSubmatch(s); m != nil {
			name := strings.ToLower(strings.ReplaceAll(strings.Join(strings.Fields(m[2]), ""), `"`, ""))
			f.Writes = append(f.Writes, Write{Name: name, Local: strings.EqualFold(strings.TrimSpace(m[1]), "LOCAL"), Via: "SET"})
		}
	}
	return f
}

// stringConsts lists the string constants of a parse tree.
func stringConsts(tree *pg_query.ParseResult) []string {
	var out []string
	visit(tree.ProtoReflect(), func(m protoreflect.Message) {
		if c, ok := m.Interface().(*pg_query.A_Const); ok && c.GetSval() != nil {
			out = append(out, c.GetSval().GetSval())
		}
	})
	return out
}
