package sqltree

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Access is one statement of a function body that touches a table.
type Access struct {
	Schema, Table string // as written; Schema empty when unqualified
	// Kind is SELECT (FROM, JOIN, USING, UPDATE ... FROM), UPDATE, DELETE
	// or INSERT.
	Kind string
	// Tied: the statement can only reach rows tied to the caller: its
	// WHERE (or a JOIN condition) has a conjunct relating rows to who is
	// asking, or it runs after (or inside) an IF that checks the caller
	// against something (IF NOT is_member(account_id) THEN RAISE ...).
	Tied bool
	// How says what ties it, or for an untied access why not.
	How string
	// Stmt is the statement (or PL/pgSQL expression) it is in, one line.
	Stmt string
	// Insert is what an INSERT writes (nil for other accesses), for a
	// caller that can tell rows tied by their values (insert.go).
	Insert *InsertRows
}

// Caller reports whether a call reads who is asking (auth.uid(),
// current_setting of the context, a membership helper that does). The
// caller of this package decides, typically by following function bodies.
type Caller func(Call) bool

// Accesses lists the table accesses of a function body, with whether each
// is tied to the caller. lang is the function's language: "sql" (src is
// prosrc, or the whole CREATE FUNCTION for a SQL-standard body) or
// "plpgsql" (src is the full CREATE FUNCTION, as pg_get_functiondef gives
// it). Other languages give an error.
//
// The rule is deliberately syntactic and errs towards "not tied": a
// conjunct ties rows when it names a column or parameter and reads the
// caller (user_id = auth.uid(), is_member(account_id)), never when it only
// tests the caller (auth.uid() IS NOT NULL: any signed-in user); an OR is
// tied only when every branch is. A PL/pgSQL IF ties what follows it when
// its condition does and its THEN branch raises or returns, and what it
// encloses when its condition does. Limits: dynamic SQL (EXECUTE) is not
// read; what a tied conjunct compares is not checked further (user_id =
// auth.uid() on a table where user_id is not the owner still counts).
func Accesses(lang, src string, caller Caller) ([]Access, error) {
	switch strings.ToLower(lang) {
	case "sql":
		return sqlAccesses(src, "", caller)
	case "plpgsql":
		js, err := pg_query.ParsePlPgSqlToJSON(src)
		if err != nil {
			return nil, fmt.Errorf("parse PL/pgSQL: %w", err)
		}
		var tree any
		if err := json.Unmarshal([]byte(js), &tree); err != nil {
			return nil, fmt.Errorf("read PL/pgSQL tree: %w", err)
		}
		w := &plWalker{caller: caller}
		w.any(tree, "")
		return w.out, w.err
	}
	return nil, fmt.Errorf("read %s function: only sql and plpgsql bodies are read", lang)
}

type plWalker struct {
	caller Caller
	out    []Access
	err    error
}

// any walks a PL/pgSQL JSON tree; tied is what ties the statements here
// to the caller ("" when nothing does).
func (w *plWalker) any(v any, tied string) {
	switch x := v.(type) {
	case []any:
		w.list(x, tied)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch k {
			case "PLpgSQL_expr":
				m, _ := x[k].(map[string]any)
				q, _ := m["query"].(string)
				mode, _ := m["parseMode"].(float64)
				if q != "" {
					w.expr(q, int(mode), tied)
				}
			case "PLpgSQL_stmt_if":
				w.ifStmt(x[k], tied)
			case "PLpgSQL_stmt_execsql":
				from := len(w.out)
				w.any(x[k], tied)
				m, _ := x[k].(map[string]any)
				if into := intoTargets(m["target"]); len(into) > 0 {
					for _, a := range w.out[from:] {
						if a.Insert != nil {
							a.Insert.Into = into
						}
					}
				}
			case "PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors":
				// dynamic SQL: not read (TFA023 judges how it is built)
			default:
				w.any(x[k], tied)
			}
		}
	}
}

// list walks statements in order: a guard ties the ones after it.
func (w *plWalker) list(xs []any, tied string) {
	for _, e := range xs {
		w.any(e, tied)
		if m, ok := e.(map[string]any); ok {
			if g := w.guard(m["PLpgSQL_stmt_if"]); g != "" && tied == "" {
				tied = g
			}
		}
	}
}

// guard returns what an IF that checks the caller and then raises or
// returns ties ("" when it is not such a guard).
func (w *plWalker) guard(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	cond := condQuery(m)
	if cond == "" || !w.condTies(cond) {
		return ""
	}
	body, _ := m["then_body"].([]any)
	for _, s := range body {
		if sm, ok := s.(map[string]any); ok && (sm["PLpgSQL_stmt_raise"] != nil || sm["PLpgSQL_stmt_return"] != nil) {
			return fmt.Sprintf("after IF %s THEN RAISE", OneLine(cond, 80))
		}
	}
	return ""
}

func condQuery(m map[string]any) string {
	c, _ := m["cond"].(map[string]any)
	e, _ := c["PLpgSQL_expr"].(map[string]any)
	q, _ := e["query"].(string)
	return q
}

func (w *plWalker) condTies(cond string) bool {
	tree, err := pg_query.Parse("SELECT " + cond)
	if err != nil {
		return false
	}
	stmts := tree.GetStmts()
	if len(stmts) != 1 || stmts[0].GetStmt().GetSelectStmt() == nil {
		return false
	}
	targets := stmts[0].GetStmt().GetSelectStmt().GetTargetList()
	if len(targets) != 1 {
		return false
	}
	ok, _ := ties(targets[0].GetResTarget().GetVal(), w.caller, true)
	return ok
}

// ifStmt walks an IF: its branches are tied when the condition ties the
// caller.
func (w *plWalker) ifStmt(v any, tied string) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	cond := condQuery(m)
	if cond != "" {
		w.expr(cond, modeExpr, tied)
	}
	inner := tied
	if inner == "" && cond != "" && w.condTies(cond) {
		inner = fmt.Sprintf("inside IF %s", OneLine(cond, 80))
	}
	w.any(m["then_body"], inner)
	w.any(m["elsif_list"], tied)
	w.any(m["else_body"], tied)
}

func (w *plWalker) expr(q string, mode int, tied string) {
	switch mode {
	case modeDefault:
	case modeExpr:
		q = "SELECT " + q
	default:
		if _, rhs, ok := strings.Cut(q, ":="); ok {
			q = "SELECT " + rhs
		} else {
			q = "SELECT " + q
		}
	}
	as, err := sqlAccesses(q, tied, w.caller)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.out = append(w.out, as...)
}

// sqlAccesses reads the accesses of SQL statements; tied, when set, ties
// all of them.
func sqlAccesses(sql, tied string, caller Caller) ([]Access, error) {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		return nil, err
	}
	var out []Access
	for _, raw := range tree.GetStmts() {
		text := stmtText(sql, raw)
		visit(raw.ProtoReflect(), func(m protoreflect.Message) {
			var tables []*pg_query.RangeVar
			var conds []*pg_query.Node
			var ins *InsertRows
			kind := "SELECT"
			switch n := m.Interface().(type) {
			case *pg_query.SelectStmt:
				tables, conds = fromTables(n.FromClause)
				conds = append(conds, n.WhereClause)
			case *pg_query.UpdateStmt:
				kind = "UPDATE"
				tables, conds = fromTables(n.FromClause)
				tables = append([]*pg_query.RangeVar{n.Relation}, tables...)
				conds = append(conds, n.WhereClause)
			case *pg_query.DeleteStmt:
				kind = "DELETE"
				tables, conds = fromTables(n.UsingClause)
				tables = append([]*pg_query.RangeVar{n.Relation}, tables...)
				conds = append(conds, n.WhereClause)
			case *pg_query.InsertStmt:
				kind = "INSERT"
				tables = []*pg_query.RangeVar{n.Relation} // rows it reads come from its SELECT, visited on its own
				ins = insertRows(n, caller)
			default:
				return
			}
			how, ok := tied, tied != ""
			if !ok && kind != "INSERT" {
				for _, c := range conds {
					if t, via := ties(c, caller, false); t {
						how, ok = "its WHERE ties rows to the caller through "+via, true
						break
					}
				}
			}
			if !ok {
				how = "nothing in it ties the rows to the caller"
				if kind == "INSERT" {
					how = "no check of the caller comes before it"
				}
			}
			for i, t := range tables {
				if t == nil {
					continue
				}
				k := kind
				if i > 0 && kind != "SELECT" {
					k = "SELECT"
				}
				out = append(out, Access{Schema: t.Schemaname, Table: t.Relname, Kind: k, Tied: ok, How: how, Stmt: text, Insert: ins})
			}
		})
	}
	return out, nil
}

// fromTables lists the tables of a FROM list (through joins, not into
// subqueries, which are visited on their own) and the join conditions.
func fromTables(from []*pg_query.Node) ([]*pg_query.RangeVar, []*pg_query.Node) {
	var tables []*pg_query.RangeVar
	var conds []*pg_query.Node
	var walk func(n *pg_query.Node)
	walk = func(n *pg_query.Node) {
		switch {
		case n == nil:
		case n.GetRangeVar() != nil:
			tables = append(tables, n.GetRangeVar())
		case n.GetJoinExpr() != nil:
			j := n.GetJoinExpr()
			walk(j.Larg)
			walk(j.Rarg)
			if j.Quals != nil {
				conds = append(conds, j.Quals)
			}
		}
	}
	for _, n := range from {
		walk(n)
	}
	return tables, conds
}

// ties reports whether a condition restricts rows to the caller, and
// through what ("auth.uid()", "has_role_on_account()"). AND ties when one
// conjunct does, OR when every branch does; NOT only in a guard (IF NOT
// is_member(...) THEN RAISE). A leaf ties when it names a column or
// parameter and reads the caller; a NULL test never does.
func ties(n *pg_query.Node, caller Caller, guard bool) (bool, string) {
	if n == nil {
		return false, ""
	}
	if b := n.GetBoolExpr(); b != nil {
		switch b.Boolop {
		case pg_query.BoolExprType_AND_EXPR:
			for _, a := range b.Args {
				if ok, via := ties(a, caller, guard); ok {
					return true, via
				}
			}
			return false, ""
		case pg_query.BoolExprType_OR_EXPR:
			via := ""
			for _, a := range b.Args {
				ok, v := ties(a, caller, guard)
				if !ok {
					return false, ""
				}
				if via == "" {
					via = v
				}
			}
			return true, via
		default: // NOT
			if !guard || len(b.Args) != 1 {
				return false, ""
			}
			return ties(b.Args[0], caller, guard)
		}
	}
	if n.GetNullTest() != nil {
		return false, ""
	}
	hasColumn, via := false, ""
	visit(n.ProtoReflect(), func(m protoreflect.Message) {
		switch x := m.Interface().(type) {
		case *pg_query.ColumnRef:
			hasColumn = true
		case *pg_query.FuncCall:
			if c := callOf(x); via == "" && c.Name != "" && caller(c) {
				via = c.String() + "()"
			}
		case *pg_query.SQLValueFunction:
			switch x.Op {
			case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE, pg_query.SQLValueFunctionOp_SVFOP_USER:
				if via == "" {
					via = strings.ToLower(strings.TrimPrefix(x.Op.String(), "SVFOP_"))
				}
			}
		}
	})
	return hasColumn && via != "", via
}

// callOf is a FuncCall's name as written.
func callOf(n *pg_query.FuncCall) Call {
	var parts []string
	for _, p := range n.Funcname {
		parts = append(parts, p.GetString_().GetSval())
	}
	if len(parts) == 0 {
		return Call{}
	}
	c := Call{Name: parts[len(parts)-1]}
	if len(parts) > 1 {
		c.Schema = parts[len(parts)-2]
	}
	return c
}

// String is the call's name, schema-qualified when written so.
func (c Call) String() string {
	if c.Schema != "" {
		return c.Schema + "." + c.Name
	}
	return c.Name
}

// stmtText is one statement's text, on one line.
func stmtText(sql string, raw *pg_query.RawStmt) string {
	from, n := int(raw.StmtLocation), int(raw.StmtLen)
	if from < 0 || from > len(sql) {
		return OneLine(sql, 80)
	}
	if n == 0 || from+n > len(sql) {
		n = len(sql) - from
	}
	return OneLine(sql[from:from+n], 80)
}
