package sqltree

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Table is a table named in a FROM list.
type Table struct {
	Schema, Name, Alias string // Schema empty when unqualified, Alias when given
}

// ColumnRef is one column reference of an expression, with the FROM lists
// of the subqueries that enclose it, innermost first: PostgreSQL resolves
// an unqualified name in the innermost one that has such a column, so
// "account_id" inside EXISTS (SELECT 1 FROM account_user WHERE ...) is
// account_user's, not the policy table's.
type ColumnRef struct {
	Qualifier string // the table or alias it is qualified with; "" when bare
	Name      string
	Scopes    [][]Table
}

// ColumnRefs lists the column references of an expression (as pg_get_expr
// prints a policy), in the order written. Whole-row and * references are
// left out.
func ColumnRefs(expr string) ([]ColumnRef, error) {
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return nil, err
	}
	var out []ColumnRef
	var walk func(m protoreflect.Message, scopes [][]Table)
	walk = func(m protoreflect.Message, scopes [][]Table) {
		switch n := m.Interface().(type) {
		case *pg_query.SelectStmt:
			if len(n.FromClause) > 0 {
				rvs, _ := fromTables(n.FromClause)
				var scope []Table
				for _, rv := range rvs {
					t := Table{Schema: rv.Schemaname, Name: rv.Relname}
					if rv.Alias != nil {
						t.Alias = rv.Alias.Aliasname
					}
					scope = append(scope, t)
				}
				scopes = append([][]Table{scope}, scopes...)
			}
		case *pg_query.ColumnRef:
			var parts []string
			for _, f := range n.Fields {
				if f.GetAStar() != nil {
					return
				}
				parts = append(parts, f.GetString_().GetSval())
			}
			if len(parts) == 0 {
				return
			}
			c := ColumnRef{Name: parts[len(parts)-1], Scopes: scopes}
			if len(parts) > 1 {
				c.Qualifier = parts[len(parts)-2]
			}
			out = append(out, c)
			return
		}
		eachChild(m, func(c protoreflect.Message) { walk(c, scopes) })
	}
	walk(tree.ProtoReflect(), nil)
	return out, nil
}

// Names reports whether t is what qualifier q names: its alias, or its
// name when it has none.
func (t Table) Names(q string) bool {
	if t.Alias != "" {
		return t.Alias == q
	}
	return strings.EqualFold(t.Name, q) || t.Name == q
}
