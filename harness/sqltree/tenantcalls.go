package sqltree

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// KeyCall is how a policy expression ties a column to a function: either
// the function applied to the column alone (has_role_on_account(account_id))
// or the column compared with a call without arguments (account_id =
// current_account()).
type KeyCall struct {
	Call
	Column string // the column, unqualified
	// Compared: "Column = Call()"; otherwise "Call(Column)".
	Compared bool
}

// KeyCalls lists the KeyCalls of an expression (as pg_get_expr prints a
// policy), in the order written.
func KeyCalls(expr string) ([]KeyCall, error) {
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return nil, err
	}
	var out []KeyCall
	visit(tree.ProtoReflect(), func(m protoreflect.Message) {
		switch n := m.Interface().(type) {
		case *pg_query.FuncCall:
			if len(n.Args) == 1 {
				if col := columnName(n.Args[0]); col != "" {
					out = append(out, KeyCall{Call: callOf(n), Column: col})
				}
			}
		case *pg_query.A_Expr:
			if n.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(n.Name) != 1 || n.Name[0].GetString_().GetSval() != "=" {
				return
			}
			for _, p := range [][2]*pg_query.Node{{n.Lexpr, n.Rexpr}, {n.Rexpr, n.Lexpr}} {
				col := columnName(p[0])
				f := uncast(p[1]).GetFuncCall()
				if col != "" && f != nil && len(f.Args) == 0 {
					out = append(out, KeyCall{Call: callOf(f), Column: col, Compared: true})
				}
			}
		}
	})
	return out, nil
}

func uncast(n *pg_query.Node) *pg_query.Node {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	return n
}

// columnName is the last name of a column reference (possibly cast), or "".
func columnName(n *pg_query.Node) string {
	c := uncast(n).GetColumnRef()
	if c == nil || len(c.Fields) == 0 {
		return ""
	}
	return c.Fields[len(c.Fields)-1].GetString_().GetSval()
}
