package sqltree

import (
	"encoding/json"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Param is an input parameter of a function, and whether its body reads it.
type Param struct {
	Name string // "" when unnamed
	// Read: the body names it (bare, or qualified with the function's
	// name) or reads its position ($2).
	Read bool
}

// Params reads a CREATE FUNCTION (as pg_get_functiondef prints it) and
// says, for each input parameter in order, whether the body reads it. A
// membership helper refactored into has_role_on_account(account_id, role)
// whose WHERE no longer mentions account_id answers "a member of any
// account?" for every row of every policy that passes it the row's key.
//
// The reading errs towards "read": any column reference with the
// parameter's name counts, even one PostgreSQL resolves to a table's
// column of that name; bodies in languages other than sql and plpgsql, or
// that do not parse, give an error. Dynamic SQL strings (EXECUTE) are
// searched for the name as a word.
func Params(def string) ([]Param, error) {
	tree, err := pg_query.Parse(def)
	if err != nil {
		return nil, err
	}
	stmts := tree.GetStmts()
	if len(stmts) != 1 || stmts[0].GetStmt().GetCreateFunctionStmt() == nil {
		return nil, errNotFunction
	}
	cf := stmts[0].GetStmt().GetCreateFunctionStmt()
	fname := ""
	if n := cf.GetFuncname(); len(n) > 0 {
		fname = strings.ToLower(n[len(n)-1].GetString_().GetSval())
	}
	var params []Param
	for _, p := range cf.GetParameters() {
		fp := p.GetFunctionParameter()
		switch fp.GetMode() {
		case pg_query.FunctionParameterMode_FUNC_PARAM_OUT, pg_query.FunctionParameterMode_FUNC_PARAM_TABLE:
			continue
		}
		params = append(params, Param{Name: strings.ToLower(fp.GetName())})
	}
	lang, body := "sql", ""
	for _, o := range cf.GetOptions() {
		d := o.GetDefElem()
		switch d.GetDefname() {
		case "language":
			lang = strings.ToLower(d.GetArg().GetString_().GetSval())
		case "as":
			if items := d.GetArg().GetList().GetItems(); len(items) > 0 {
				body = items[0].GetString_().GetSval()
			}
		}
	}
	mark := func(m protoreflect.Message) {
		switch x := m.Interface().(type) {
		case *pg_query.ColumnRef:
			var parts []string
			for _, f := range x.Fields {
				parts = append(parts, strings.ToLower(f.GetString_().GetSval()))
			}
			name := ""
			switch {
			case len(parts) == 1:
				name = parts[0]
			case len(parts) == 2 && parts[0] == fname:
				name = parts[1]
			}
			for i := range params {
				if name != "" && params[i].Name == name {
					params[i].Read = true
				}
			}
		case *pg_query.ParamRef:
			if i := int(x.Number) - 1; i >= 0 && i < len(params) {
				params[i].Read = true
			}
		}
	}
	switch {
	case cf.GetSqlBody() != nil:
		visit(cf.GetSqlBody().ProtoReflect(), mark)
	case lang == "sql":
		t, err := pg_query.Parse(body)
		if err != nil {
			return nil, err
		}
		visit(t.ProtoReflect(), mark)
	case lang == "plpgsql":
		js, err := pg_query.ParsePlPgSqlToJSON(def)
		if err != nil {
			return nil, err
		}
		var tree any
		if err := json.Unmarshal([]byte(js), &tree); err != nil {
			return nil, err
		}
		var ferr error
		plQueries(tree, func(q string, mode int) {
			if mode == modeDefault {
				if t, err := pg_query.Parse(q); err == nil {
					visit(t.ProtoReflect(), mark)
					return
				}
			}
			if _, rhs, ok := strings.Cut(q, ":="); ok && mode != modeDefault && mode != modeExpr {
				q = rhs
			}
			t, err := pg_query.Parse("SELECT " + q)
			if err != nil {
				if ferr == nil {
					ferr = err
				}
				return
			}
			visit(t.ProtoReflect(), mark)
		})
		if ferr != nil {
			return nil, ferr
		}
		// names PL/pgSQL itself reads (RETURN, assignment targets, FOR
		// loop variables) and dynamic SQL: by the word, erring to "read".
		for i := range params {
			if !params[i].Read && params[i].Name != "" && hasWord(body, params[i].Name) {
				params[i].Read = true
			}
		}
	default:
		return nil, errLanguage(lang)
	}
	return params, nil
}

// plQueries calls fn with every PL/pgSQL expression of a tree.
func plQueries(v any, fn func(q string, mode int)) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			plQueries(e, fn)
		}
	case map[string]any:
		if m, ok := x["PLpgSQL_expr"].(map[string]any); ok {
			q, _ := m["query"].(string)
			mode, _ := m["parseMode"].(float64)
			if q != "" {
				fn(q, int(mode))
			}
		}
		for k, e := range x {
			if k != "PLpgSQL_expr" {
				plQueries(e, fn)
			}
		}
	}
}

// hasWord reports whether text has name as a whole identifier word.
func hasWord(text, name string) bool {
	text, name = strings.ToLower(text), strings.ToLower(name)
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isIdentByte(text[j-1])
		end := j + len(name)
		after := end >= len(text) || !isIdentByte(text[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

type paramError string

func (e paramError) Error() string { return string(e) }

const errNotFunction = paramError("not a CREATE FUNCTION statement")

func errLanguage(lang string) error {
	return paramError("read " + lang + " function: only sql and plpgsql bodies are read")
}

// ColumnArg is a bare column passed as an argument to a function call,
// has_role_on_account(account_id, 'owner'): Column account_id at Index 0.
type ColumnArg struct {
	Call
	Index             int
	Qualifier, Column string // Qualifier "" when bare
}

// ColumnArgs lists the columns an expression passes straight to function
// calls (casts allowed), outside any subquery, in the order written.
func ColumnArgs(expr string) ([]ColumnArg, error) {
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return nil, err
	}
	stmts := tree.GetStmts()
	if len(stmts) != 1 || stmts[0].GetStmt().GetSelectStmt() == nil {
		return nil, errNotFunction
	}
	var out []ColumnArg
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		switch n := m.Interface().(type) {
		case *pg_query.SubLink:
			if n.Testexpr != nil {
				walk(n.Testexpr.ProtoReflect())
			}
			return
		case *pg_query.FuncCall:
			for i, a := range n.Args {
				c := uncast(a).GetColumnRef()
				if c == nil || len(c.Fields) == 0 || len(c.Fields) > 2 {
					continue
				}
				arg := ColumnArg{Call: callOf(n), Index: i, Column: c.Fields[len(c.Fields)-1].GetString_().GetSval()}
				if len(c.Fields) == 2 {
					arg.Qualifier = c.Fields[0].GetString_().GetSval()
				}
				out = append(out, arg)
			}
		}
		eachChild(m, walk)
	}
	for _, t := range stmts[0].GetStmt().GetSelectStmt().GetTargetList() {
		walk(t.ProtoReflect())
	}
	return out, nil
}
