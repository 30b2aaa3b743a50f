package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// A policy that passes the row's key to a helper, has_role_on_account(
// account_id), depends on the row only if the helper reads that argument.
// A refactoring that drops "AND wu.account_id = has_role_on_account.
// account_id" from the helper's WHERE leaves every policy syntactically
// right, yet each now asks "is the caller a member of any account?" and
// admits every tenant's rows to anyone with a membership (everyone, with
// personal accounts). ignoredKey tells such a policy expression (TFA013).

// ignoredKey returns, for a policy expression whose every reference to its
// table's columns is an argument to a user function whose body never
// reads that parameter, what it passes to what ("account_id to
// has_role_on_account() as its parameter account_id"), and the function;
// "" and nil otherwise. Every overload of the name that could take the
// argument must ignore it; bodies that do not parse count as reading
// everything.
func (e *env) ignoredKey(x policyExpr) (string, *catalog.Function) {
	refs, err := sqltree.ColumnRefs(x.expr)
	if err != nil {
		return "", nil
	}
	n := 0
	for _, c := range refs {
		if e.refersTo(c, x.rel) {
			n++
		}
	}
	args, err := sqltree.ColumnArgs(x.expr)
	if n == 0 || err != nil {
		return "", nil
	}
	var what []string
	var fn *catalog.Function
	ignored := 0
	for _, a := range args {
		if x.rel.Column(a.Column) == nil || (a.Qualifier != "" && a.Qualifier != x.rel.Name) {
			continue
		}
		f, name := e.ignores(a)
		if f == nil {
			return "", nil // the row's column reaches a function that reads it
		}
		ignored++
		fn = f
		what = append(what, fmt.Sprintf("%s to %s() as its parameter %s", a.Column, a.Call.String(), name))
	}
	if ignored < n {
		return "", nil
	}
	return strings.Join(what, ", "), fn
}

// ignores returns the user function a call's argument goes to and the
// parameter's name when every overload that could take it ignores it.
func (e *env) ignores(a sqltree.ColumnArg) (*catalog.Function, string) {
	var out *catalog.Function
	name := ""
	for _, fn := range e.fnName[strings.ToLower(a.Call.Name)] {
		if a.Call.Schema != "" && !strings.EqualFold(a.Call.Schema, fn.Schema) {
			continue
		}
		ps, ok := e.params(fn)
		if !ok {
			return nil, ""
		}
		if a.Index >= len(ps) {
			continue
		}
		if ps[a.Index].Read {
			return nil, ""
		}
		out, name = fn, ps[a.Index].Name
		if name == "" {
			name = fmt.Sprintf("$%d", a.Index+1)
		}
	}
	return out, name
}

// params reads fn's parameters and whether its body reads each
// (sqltree.Params), memoised; ok is false when the body cannot be read.
func (e *env) params(fn *catalog.Function) ([]sqltree.Param, bool) {
	if e.paramMemo == nil {
		e.paramMemo = map[uint32][]sqltree.Param{}
	}
	if ps, seen := e.paramMemo[fn.OID]; seen {
		return ps, ps != nil
	}
	ps, err := sqltree.Params(e.f.definitions[fn.OID])
	if err != nil {
		ps = nil
	}
	e.paramMemo[fn.OID] = ps
	return ps, ps != nil
}
