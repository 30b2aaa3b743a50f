package audit

import (
	"fmt"
	"strings"
)

// keyThroughFunction (TFA051) enforces: a permissive policy expression
// that reads the tenant context compares the tenant column itself, not
// only a function of it. right(tenant_id::text, 3), hashtext(...) % 64,
// substr(...): a function of the key isolates exactly only if it is
// injective, and the short codes, hash buckets and truncations teams write
// are not. Their collisions show only among many tenants (the large-world
// property finds them; worlds of 2–6 tenants do not).
//
// Limits: any function call whose arguments hold the tenant column is
// flagged unless the column also appears outside every function call (an
// AND with the exact comparison keeps the policy exact); casts and
// operators (tenant_id::text, tenant_id % 100) are not function calls.
func keyThroughFunction(e *env) []Result {
	var out []Result
	for _, x := range e.appExprs() {
		key := x.rel.TenantColumn
		if x.rel == e.cat.TenantsTable && len(x.rel.PrimaryKey) == 1 {
			key = x.rel.PrimaryKey[0]
		}
		if key == "" || !e.refsContext(x.expr, 3) {
			continue
		}
		fn, outside := keyCalls(blankStrings(x.expr), key)
		if fn == "" || outside {
			continue
		}
		out = append(out, x.result(
			fmt.Sprintf("%s compares %s only through %s() (%s): unless that function is injective, tenants whose keys collide see each other's rows", x.clause, key, fn, oneLine(x.expr)),
			fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", x.policy.Name, x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
	}
	return out
}

// keyCalls finds, in an expression with its string literals blanked, the
// first function whose arguments mention key, and whether key also
// appears outside every function call.
func keyCalls(expr, key string) (fn string, outside bool) {
	var rest strings.Builder // the expression with every call's arguments removed
	for i := 0; i < len(expr); i++ {
		if expr[i] != '(' || i == 0 || !isCallName(expr[i-1]) {
			rest.WriteByte(expr[i])
			continue
		}
		end := matchParen(expr, i)
		args := expr[i+1 : end]
		if fn == "" && contains(identifiers(args), key) {
			start := i
			for start > 0 && isCallName(expr[start-1]) {
				start--
			}
			fn = strings.Trim(expr[start:i], `"`)
		}
		rest.WriteByte(' ')
		i = end
	}
	return fn, contains(identifiers(rest.String()), key)
}

// isCallName reports whether c can end a function name (pg_get_expr prints
// calls as name( or "name"( without a space; keywords such as ANY ( have one).
func isCallName(c byte) bool { return isIdentByte(c) || c == '"' }

// matchParen returns the index of the parenthesis closing the one at open
// (the end of s when it is not closed).
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s) - 1
}
