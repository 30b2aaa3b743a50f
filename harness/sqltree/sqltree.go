// Package sqltree reads SQL with PostgreSQL's own parser (libpg_query,
// through pg_query_go) and reports what a piece of SQL does with the
// tenant context: which settings it reads (current_setting) and sets
// (set_config, SET), and which functions it calls, so that callers can
// follow user functions transitively.
//
// It reads parse trees, not catalog objects: a call is a name as written
// (resolving it to a function is the caller's job), and only what the
// text states is known. A setting name that is not a constant (a variable,
// a concatenation) is reported as dynamic.
package sqltree

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Read is one current_setting call.
type Read struct {
	// Name is the setting as written, lower-cased (custom settings are
	// case-insensitive); empty when Dynamic.
	Name string
	// MissingOK: the call passes missing_ok = true, so an unset setting
	// reads as NULL instead of raising. False when the argument is absent
	// or not a constant true.
	MissingOK bool
	// Dynamic: the name is not a constant.
	Dynamic bool
}

// Write is one set_config call or SET statement.
type Write struct {
	Name string // lower-cased; empty when Dynamic
	// Local: transaction-local (set_config(..., true), SET LOCAL).
	Local bool
	// Via is "set_config" or "SET".
	Via     string
	Dynamic bool
}

// Call is a function call as written: Schema is empty when unqualified.
type Call struct {
	Schema, Name string
}

// Facts are what one piece of SQL does with settings, in the order found.
type Facts struct {
	Reads  []Read
	Writes []Write
	Calls  []Call
}

func (f *Facts) add(g Facts) {
	f.Reads = append(f.Reads, g.Reads...)
	f.Writes = append(f.Writes, g.Writes...)
	f.Calls = append(f.Calls, g.Calls...)
}

// Expr reads one SQL expression, such as a policy's USING text as
// pg_get_expr renders it.
func Expr(expr string) (Facts, error) {
	f, err := Statements("SELECT " + expr)
	if err != nil {
		return Facts{}, fmt.Errorf("parse expression %q: %w", OneLine(expr, 80), err)
	}
	return f, nil
}

// Statements reads one or more SQL statements: a LANGUAGE sql body
// (prosrc), a CREATE FUNCTION with a SQL-standard body, or the
// application's context statement.
func Statements(sql string) (Facts, error) {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		return Facts{}, err
	}
	var f Facts
	walk(tree.ProtoReflect(), &f)
	return f, nil
}

// walk records the calls and SET statements of a parse tree.
func walk(m protoreflect.Message, f *Facts) {
	visit(m, func(m protoreflect.Message) {
		switch n := m.Interface().(type) {
		case *pg_query.FuncCall:
			funcCall(n, f)
		case *pg_query.VariableSetStmt:
			if n.Kind == pg_query.VariableSetKind_VAR_SET_VALUE || n.Kind == pg_query.VariableSetKind_VAR_SET_CURRENT {
				f.Writes = append(f.Writes, Write{Name: strings.ToLower(n.Name), Local: n.IsLocal, Via: "SET"})
			}
		}
	})
}

// visit calls fn with every message of a parse tree, depth first.
func visit(m protoreflect.Message, fn func(protoreflect.Message)) {
	fn(m)
	eachChild(m, func(c protoreflect.Message) { visit(c, fn) })
}

// eachChild calls fn with every message directly under m (fields and list
// elements, in field order), for walks that carry their own state down.
func eachChild(m protoreflect.Message, fn func(protoreflect.Message)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Kind() != protoreflect.MessageKind || fd.IsMap():
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				fn(l.Get(i).Message())
			}
		default:
			fn(v.Message())
		}
		return true
	})
}

// funcCall records a call, and a read or write when it is current_setting
// or set_config (unqualified or in pg_catalog).
func funcCall(n *pg_query.FuncCall, f *Facts) {
	var parts []string
	for _, p := range n.Funcname {
		parts = append(parts, p.GetString_().GetSval())
	}
	if len(parts) == 0 {
		return
	}
	c := Call{Name: parts[len(parts)-1]}
	if len(parts) > 1 {
		c.Schema = parts[len(parts)-2]
	}
	f.Calls = append(f.Calls, c)
	if c.Schema != "" && c.Schema != "pg_catalog" {
		return
	}
	switch c.Name {
	case "current_setting":
		if len(n.Args) == 0 {
			return
		}
		name, ok := stringConst(n.Args[0])
		r := Read{Name: strings.ToLower(name), Dynamic: !ok}
		if len(n.Args) > 1 {
			r.MissingOK = boolConst(n.Args[1])
		}
		f.Reads = append(f.Reads, r)
	case "set_config":
		if len(n.Args) != 3 {
			return
		}
		name, ok := stringConst(n.Args[0])
		f.Writes = append(f.Writes, Write{Name: strings.ToLower(name), Dynamic: !ok, Local: boolConst(n.Args[2]), Via: "set_config"})
	}
}

// stringConst returns the value of a string constant, possibly cast
// ('app.tenant_id'::text, as pg_get_expr renders it).
func stringConst(n *pg_query.Node) (string, bool) {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	c := n.GetAConst()
	if c == nil || c.GetSval() == nil {
		return "", false
	}
	return c.GetSval().GetSval(), true
}

// boolConst reports whether n is the constant true (true, 'true', 't',
// 'on', 'yes', '1', possibly cast to boolean).
func boolConst(n *pg_query.Node) bool {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	c := n.GetAConst()
	switch {
	case c == nil:
		return false
	case c.GetBoolval() != nil:
		return c.GetBoolval().GetBoolval()
	case c.GetSval() != nil:
		switch strings.ToLower(strings.TrimSpace(c.GetSval().GetSval())) {
		case "true", "t", "on", "yes", "y", "1":
			return true
		}
	}
	return false
}

// OneLine collapses the whitespace of SQL (or any text) so that it fits a
// message or a comment line, cut to max bytes with "..." when max > 0:
// the one such helper of the audit, the router and the pgTAP export.
func OneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if max > 3 && len(s) > max {
		s = s[:max-3] + "..."
	}
	return s
}
