package audit

import (
	"regexp"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// A pattern finds a statement that made an object what a result says it
// is. Results carry their patterns best first. locate searches the files
// from the last applied to the first: the last file with any match wins
// (an overlay's ALTER TABLE ... DISABLE ROW LEVEL SECURITY over the
// schema's CREATE TABLE), and within it the best pattern, at its last match.
type pattern struct{ re *regexp.Regexp }

func newPattern(expr string) pattern { return pattern{regexp.MustCompile(`(?is)` + expr)} }

// nameRE matches an object name as SQL may write it: optionally
// schema-qualified, each part optionally double-quoted.
func nameRE(schema, name string) string {
	return `(?:` + identRE(schema) + `\s*\.\s*)?` + identRE(name)
}

// identRE matches one identifier: a lower-case name also unquoted.
func identRE(s string) string {
	if strings.ToLower(s) == s {
		return `"?` + regexp.QuoteMeta(s) + `"?`
	}
	return `"` + regexp.QuoteMeta(s) + `"`
}

// end closes a name: the next character may not continue the identifier.
const end = `(?:$|[^A-Za-z0-9_$])`

// stmtBody spans the rest of a statement, lazily.
const stmtBody = `[^;]*?`

func relName(r *catalog.Relation) string { return nameRE(r.Schema, r.Name) + end }

// atCreate finds the CREATE statement of a relation of any kind.
func atCreate(r *catalog.Relation) pattern {
	kind := `(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE`
	switch r.Kind {
	case catalog.KindView:
		kind = `(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:RECURSIVE\s+)?VIEW`
	case catalog.KindMatView:
		kind = `MATERIALIZED\s+VIEW`
	case catalog.KindForeign:
		kind = `FOREIGN\s+TABLE`
	}
	return newPattern(`\bCREATE\s+` + kind + `\s+(?:IF\s+NOT\s+EXISTS\s+)?` + relName(r))
}

// atAlter finds an ALTER TABLE/VIEW/MATERIALIZED VIEW/FOREIGN TABLE of the
// relation whose action matches action (a regular expression).
func atAlter(r *catalog.Relation, action string) pattern {
	return newPattern(`\bALTER\s+(?:TABLE|VIEW|MATERIALIZED\s+VIEW|FOREIGN\s+TABLE)\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?` + relName(r) + stmtBody + action)
}

// atPolicy finds CREATE or ALTER POLICY name ON relation.
func atPolicy(r *catalog.Relation, policy string) pattern {
	return newPattern(`\b(?:CREATE|ALTER)\s+POLICY\s+` + identRE(policy) + `\s+ON\s+(?:ONLY\s+)?` + relName(r))
}

// atDropPolicy finds DROP POLICY ... ON relation.
func atDropPolicy(r *catalog.Relation) pattern {
	return newPattern(`\bDROP\s+POLICY\s+(?:IF\s+EXISTS\s+)?` + stmtBody + `\bON\s+(?:ONLY\s+)?` + relName(r))
}

// atPolicies finds the CREATE or ALTER POLICY of any policy on the relation.
func atPolicies(r *catalog.Relation) []pattern {
	var out []pattern
	for _, p := range r.Policies {
		out = append(out, atPolicy(r, p.Name))
	}
	return out
}

// atGrant finds a GRANT of priv (or ALL) on the relation, directly or on all
// tables of its schema.
func atGrant(r *catalog.Relation, priv string) []pattern {
	privs := `\b(?:` + priv + `|ALL)\b`
	return []pattern{
		newPattern(`\bGRANT\s` + stmtBody + privs + stmtBody + `\bON\s+(?:TABLE\s+)?` + stmtBody + relName(r)),
		newPattern(`\bGRANT\s` + stmtBody + privs + stmtBody + `\bON\s+ALL\s+TABLES\s+IN\s+SCHEMA\s+` + stmtBody + identRE(r.Schema) + end),
	}
}

// atFunction finds CREATE [OR REPLACE] FUNCTION/PROCEDURE name, or an
// ALTER FUNCTION name whose action matches action ("" for none).
func atFunction(fn *catalog.Function, action string) []pattern {
	var out []pattern
	if action != "" {
		out = append(out, newPattern(`\bALTER\s+(?:FUNCTION|PROCEDURE|ROUTINE)\s+`+nameRE(fn.Schema, fn.Name)+`\s*\(`+stmtBody+action))
	}
	return append(out, newPattern(`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+`+nameRE(fn.Schema, fn.Name)+`\s*\(`))
}

// atTrigger finds CREATE TRIGGER name ON relation.
func atTrigger(r *catalog.Relation, name string) pattern {
	return newPattern(`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+` + identRE(name) + `\s` + stmtBody + `\bON\s+` + relName(r))
}

// atRole finds a statement giving a role an attribute (ALTER/CREATE ROLE
// with action), then any statement creating the role.
func atRole(role, action string) []pattern {
	r := identRE(role) + end
	return []pattern{
		newPattern(`\b(?:CREATE|ALTER)\s+(?:ROLE|USER|GROUP)\s+` + r + stmtBody + action),
		newPattern(`\bGRANT\s` + stmtBody + `\bTO\s+` + stmtBody + r),
		newPattern(`\bCREATE\s+(?:ROLE|USER|GROUP)\s+` + r),
	}
}

// locate fills File and Line from the first pattern that matches. files
// are the SQL files with comments blanked (sqltree.BlankComments).
func locate(r *Result, files []harness.SQLFile) {
	for i := len(files) - 1; i >= 0; i-- {
		for _, p := range r.where {
			ms := p.re.FindAllStringIndex(files[i].SQL, -1)
			if len(ms) == 0 {
				continue
			}
			sql, at := files[i].SQL, ms[len(ms)-1][0]
			for at < len(sql) && (sql[at] == ' ' || sql[at] == '\t' || sql[at] == '\n' || sql[at] == '\r') {
				at++
			}
			r.File = files[i].Name
			r.Line = strings.Count(sql[:at], "\n") + 1
			return
		}
	}
}
