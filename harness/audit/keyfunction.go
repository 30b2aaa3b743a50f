package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// keyThroughFunction (TFA051) enforces: a permissive policy expression
// that reads the tenant context does not compare the tenant column only
// through a lossy function of it: right(tenant_id::text, 3),
// hashtext(...) % 64, substr(...), split_part(...), mod(...). Such a key
// isolates exactly only while no two tenants share it; the collisions
// show only among many tenants (the large-world property finds them;
// worlds of 2–6 tenants do not).
//
// Limits: only the built-in functions of lossyFunctions count (a user
// function such as is_member(account_id) is judged by what it returns, by
// the probes); the column also compared outside every call keeps the
// policy exact unless the expression has an OR (a branch of its own).
// Casts and operators (tenant_id::text, tenant_id % 100) are not calls.
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
		expr := blankStrings(x.expr)
		fn, outside := keyCalls(expr, key)
		if fn == "" || (outside && !strings.Contains(strings.ToUpper(expr), " OR ")) {
			continue
		}
		out = append(out, x.result(
			fmt.Sprintf("%s compares %s only through %s() (%s): unless that function is injective, tenants whose keys collide see each other's rows", x.clause, key, fn, sqltree.OneLine(x.expr, 160)),
			fmt.Sprintf("ALTER POLICY %s ON %s %s (%s)", catalog.QuoteIdent(x.policy.Name), x.rel.QualifiedName(), x.clause, e.isolating(x.rel))))
	}
	return out
}

// lossyFunctions are built-in functions that map many keys to one value.
var lossyFunctions = map[string]bool{
	"right": true, "left": true, "substr": true, "substring": true, "split_part": true,
	"hashtext": true, "hashtextextended": true, "hashint4": true, "hashint8": true, "hash_array": true,
	"mod": true, "div": true, "width_bucket": true, "trunc": true, "round": true, "floor": true, "ceil": true,
	"abs": true, "get_byte": true, "ascii": true, "length": true, "char_length": true,
}

// keyCalls finds, in an expression with its string literals blanked, the
// first lossy function whose arguments mention key, and whether key also
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
		start := i
		for start > 0 && isCallName(expr[start-1]) {
			start--
		}
		name := strings.ToLower(strings.Trim(expr[start:i], `"`))
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			name = strings.Trim(name[k+1:], `"`)
		}
		if fn == "" && lossyFunctions[name] && contains(identifiers(args), key) {
			fn = name
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
