package audit

import "strings"

// objectKinds are the words a result's Object starts with, longest first,
// before the name of what it flags.
var objectKinds = []string{"materialized view ", "foreign table ", "foreign key ", "table ", "view ", "function ", "procedure ",
	"aggregate ", "column ", "key ", "schema ", "trigger ", "policy "}

// inSchemas reports whether a result's Object names an object that lives
// in one of schemas: "function auth.jwt()", "table auth.users", "column
// auth.users.email", "schema extensions". Objects merely attached to such
// a relation keep their result (a policy or trigger the schema under test
// puts on auth.users is its own: its name is unqualified).
func inSchemas(object string, schemas []string) bool {
	for _, k := range objectKinds {
		name, ok := strings.CutPrefix(object, k)
		if !ok {
			continue
		}
		for _, s := range schemas {
			if k == "schema " && (name == s || name == `"`+s+`"`) {
				return true
			}
			if strings.HasPrefix(name, s+".") || strings.HasPrefix(name, `"`+s+`".`) {
				return true
			}
		}
		return false
	}
	return false
}
