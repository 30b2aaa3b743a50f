package sqltree

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// InsertRows is what an INSERT writes, for a caller that knows which
// column of the table says whose row it is: a function creating a team
// (INSERT INTO accounts (slug, name, primary_owner_user_id) VALUES (p_slug,
// p_name, auth.uid()) RETURNING id INTO new_id) and making its caller the
// owner (INSERT INTO account_user VALUES (new_id, auth.uid(), 'owner'))
// writes only rows that belong to the caller, which this package cannot
// tell without the catalog.
type InsertRows struct {
	// Columns are the target columns as written; nil when the statement
	// lists none (the table's column order then applies).
	Columns []string
	// Rows are the VALUES rows, one Value per column; nil when the rows
	// come from a SELECT (read on its own as an access).
	Rows [][]Value
	// Upsert: ON CONFLICT ... DO UPDATE, which can change an existing row.
	Upsert bool
	// Returning lists the bare column names of RETURNING; Into the
	// PL/pgSQL variables RETURNING ... INTO fills, in order.
	Returning, Into []string
}

// Value is one value of a VALUES row.
type Value struct {
	// Caller is the call through which the value reads who is asking
	// ("auth.uid()"), "" when it does not.
	Caller string
	// Var is the name when the value is a bare name (a parameter or a
	// PL/pgSQL variable, possibly qualified: fn.param), lower case.
	Var string
	// Default: the value is DEFAULT (the column's default applies).
	Default bool
}

// Value returns the value row i gives column col, and whether the
// statement names that column; cols is the table's column order, used
// when the statement lists no columns.
func (ir *InsertRows) Value(i int, col string, cols []string) (Value, bool) {
	names := ir.Columns
	if names == nil {
		names = cols
	}
	for j, n := range names {
		if strings.EqualFold(n, col) && i < len(ir.Rows) && j < len(ir.Rows[i]) {
			return ir.Rows[i][j], true
		}
	}
	return Value{}, false
}

// insertRows reads an INSERT's target columns and VALUES rows.
func insertRows(n *pg_query.InsertStmt, caller Caller) *InsertRows {
	ir := &InsertRows{}
	for _, c := range n.Cols {
		if rt := c.GetResTarget(); rt != nil {
			ir.Columns = append(ir.Columns, rt.Name)
		}
	}
	if oc := n.OnConflictClause; oc != nil && oc.Action == pg_query.OnConflictAction_ONCONFLICT_UPDATE {
		ir.Upsert = true
	}
	for _, r := range n.ReturningList {
		if cr := r.GetResTarget().GetVal().GetColumnRef(); cr != nil && len(cr.Fields) > 0 {
			ir.Returning = append(ir.Returning, strings.ToLower(cr.Fields[len(cr.Fields)-1].GetString_().GetSval()))
		}
	}
	sel := n.SelectStmt.GetSelectStmt()
	if sel == nil || len(sel.ValuesLists) == 0 {
		return ir
	}
	for _, row := range sel.ValuesLists {
		var vs []Value
		for _, v := range row.GetList().GetItems() {
			vs = append(vs, valueOf(v, caller))
		}
		ir.Rows = append(ir.Rows, vs)
	}
	return ir
}

func valueOf(n *pg_query.Node, caller Caller) Value {
	var v Value
	if n.GetSetToDefault() != nil {
		v.Default = true
		return v
	}
	if cr := n.GetColumnRef(); cr != nil {
		var parts []string
		for _, f := range cr.Fields {
			if s := f.GetString_(); s != nil {
				parts = append(parts, strings.ToLower(s.Sval))
			}
		}
		if len(parts) == len(cr.Fields) {
			v.Var = strings.Join(parts, ".")
		}
	}
	visit(n.ProtoReflect(), func(m protoreflect.Message) {
		if x, ok := m.Interface().(*pg_query.FuncCall); ok && v.Caller == "" {
			if c := callOf(x); c.Name != "" && caller(c) {
				v.Caller = c.String() + "()"
			}
		}
	})
	return v
}

// intoTargets lists the variables a PL/pgSQL INTO target names.
func intoTargets(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k, x := range m {
		t, _ := x.(map[string]any)
		switch k {
		case "PLpgSQL_row":
			fs, _ := t["fields"].([]any)
			for _, f := range fs {
				if fm, ok := f.(map[string]any); ok {
					if s, ok := fm["name"].(string); ok {
						out = append(out, strings.ToLower(s))
					}
				}
			}
		case "PLpgSQL_var", "PLpgSQL_rec":
			if s, ok := t["refname"].(string); ok {
				out = append(out, strings.ToLower(s))
			}
		}
	}
	return out
}
