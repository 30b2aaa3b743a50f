package pgtap

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// Regression renders the regression suite of a target that tenantfuzz
// found clean: one file per tenant table (<table>_regression_1.sql), each
// in the same fixed world of two tenants (harness.Target.FixedWorld),
// asserting that
//
//   - no context, and an empty one, see no row of the table;
//   - each tenant sees exactly its own rows;
//   - the first tenant's UPDATE (moving every row it can reach to itself)
//     and DELETE of every row it can reach leave the second tenant's rows
//     unchanged (refused or 0 rows).
//
// It locks in today's good state: a later migration that opens a table
// fails it. Limits: one fixed world (tenantfuzz's random worlds and
// statements find more); tables only (views and functions are covered
// through the tables they read); a foreign INSERT is not attempted.
func Regression(ctx context.Context, tg *harness.Target, command string) ([]File, error) {
	w, err := tg.FixedWorld(ctx, 2)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, rel := range tg.Catalog.TenantTables() {
		var own [2]string
		ok := true
		for i := range own {
			own[i], ok = tg.Catalog.TenantFilter(rel, "", catalog.QuoteLiteral(w.TenantID(i)))
			if !ok {
				break
			}
		}
		if !ok || len(w.RowsOf(rel)) == 0 {
			continue
		}
		files = append(files, File{Name: slug(rel.Name) + "_regression_1.sql", SQL: regressionFile(tg, rel, w, own, command)})
	}
	return files, nil
}

// regressionFile renders one table's suite.
func regressionFile(tg *harness.Target, rel *catalog.Relation, w *generators.World, own [2]string, command string) string {
	t1, t2 := w.TenantID(0), w.TenantID(1)
	writes := foreignWrites(rel, w, t1, t2)
	name := rel.QualifiedName()
	role1, role2 := tg.RoleFor(t1), tg.RoleFor(t2)
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz regression suite for %s: tenants see exactly their own rows, no\n", rel.Name)
	b.WriteString("-- context sees none, a foreign update or delete changes nothing. It passed when\n")
	b.WriteString("-- exported and fails if a change opens the table. It needs pgTAP (CREATE EXTENSION\n")
	b.WriteString("-- pgtap) in a database holding the schema, runs as a superuser, and is rolled back.\n")
	b.WriteString("--   pg_prove -d <database> <this file>   (or commit it under supabase/tests/: supabase test db)\n")
	if command != "" {
		fmt.Fprintf(&b, "-- Exported by: %s\n", sqltree.OneLine(command, 0))
	}
	fmt.Fprintf(&b, "BEGIN;\nSELECT plan(%d);\n", 4+len(writes))
	b.WriteString(helpers)
	writeWorld(&b, harness.InsertSQL(w), nil)
	rows := func(cond string) string {
		return "SELECT q::text FROM (SELECT * FROM " + name + " WHERE " + cond + ") q"
	}
	b.WriteString("-- each tenant's rows, read by the owner\n")
	fmt.Fprintf(&b, "CREATE TEMP TABLE tf_t1 AS %s;\n", strings.Replace(rows(own[0]), "q::text", "q::text AS row", 1))
	fmt.Fprintf(&b, "CREATE TEMP TABLE tf_t2 AS %s;\n", strings.Replace(rows(own[1]), "q::text", "q::text AS row", 1))
	for _, r := range uniq(role1, role2) {
		fmt.Fprintf(&b, "GRANT SELECT ON tf_t1, tf_t2 TO %s;\n", catalog.QuoteIdent(r))
	}
	all := dq("SELECT * FROM pg_temp.tf_rows('SELECT * FROM "+strings.ReplaceAll(name, "'", "''")+"')", "tf")
	fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", catalog.QuoteIdent(tg.Config.AppRole))
	fmt.Fprintf(&b, "SELECT is_empty(%s, %s);\n", all, catalog.QuoteLiteral("no context sees no row of "+rel.Name))
	for _, c := range tg.EmptyContextScript() {
		b.WriteString(contextLine(c))
	}
	fmt.Fprintf(&b, "SELECT is_empty(%s, %s);\n", all, catalog.QuoteLiteral("an empty context sees no row of "+rel.Name))
	b.WriteString("RESET ROLE;\n")
	for i, t := range []string{t1, t2} {
		fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", catalog.QuoteIdent(tg.RoleFor(t)))
		b.WriteString(contextLine(tg.ContextScript(t)))
		fmt.Fprintf(&b, "SELECT bag_eq(%s, 'SELECT row FROM tf_t%d', %s);\n", all, i+1, catalog.QuoteLiteral(fmt.Sprintf("T%d sees exactly its own rows of %s", i+1, rel.Name)))
		b.WriteString("RESET ROLE;\n")
	}
	for _, wr := range writes {
		fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", catalog.QuoteIdent(role1))
		b.WriteString(contextLine(tg.ContextScript(t1)))
		for _, st := range wr.stmts {
			fmt.Fprintf(&b, "SELECT diag(%s || pg_temp.tf_write(%s));\n", catalog.QuoteLiteral("T1: "+sqltree.OneLine(st, 0)+": "), dq(st, "q"))
		}
		b.WriteString("RESET ROLE;\n")
		fmt.Fprintf(&b, "SELECT bag_eq(%s, 'SELECT row FROM tf_t2', %s);\n", dq(rows(own[1]), "tf"), catalog.QuoteLiteral("T1's "+wr.what+" leaves T2's rows of "+rel.Name+" unchanged"))
	}
	b.WriteString("SELECT * FROM finish();\nROLLBACK;\n")
	return b.String()
}

// write is one foreign-write check: statements T1 runs, then T2's rows
// must be as before.
type write struct {
	what  string
	stmts []string
}

// foreignWrites are T1's writes that must leave T2's rows alone: an update
// setting a plain text column of every row it reaches (to a constant: an
// UPDATE that reads no column is checked against UPDATE policies only,
// not SELECT ones), a move of each of its
// own rows to T2 (one statement per row, so that a row with dependents
// does not hide one without), and a delete of every row it reaches.
func foreignWrites(rel *catalog.Relation, w *generators.World, t1, t2 string) []write {
	name := rel.QualifiedName()
	var out []write
	if c := plainText(rel); c != "" {
		out = append(out, write{"update of every row it reaches", []string{"UPDATE " + name + " SET " + catalog.QuoteIdent(c) + " = '[tf:updated]'"}})
	}
	if rel.TenantColumn != "" && len(rel.PrimaryKey) > 0 {
		mv := write{what: "move of its own rows to T2"}
		for _, r := range w.RowsOf(rel) {
			if r.Global || r.Tenant != 0 {
				continue
			}
			var conds []string
			for _, k := range rel.PrimaryKey {
				v, ok := r.Values[k]
				if !ok {
					conds = nil
					break
				}
				conds = append(conds, catalog.QuoteIdent(k)+" = "+v)
			}
			if conds != nil {
				mv.stmts = append(mv.stmts, "UPDATE "+name+" SET "+catalog.QuoteIdent(rel.TenantColumn)+" = "+catalog.QuoteLiteral(t2)+" WHERE "+strings.Join(conds, " AND "))
			}
		}
		if len(mv.stmts) > 0 {
			out = append(out, mv)
		}
	}
	return append(out, write{"delete of every row it reaches", []string{"DELETE FROM " + name}})
}

// plainText is a text column in no key, foreign key or unique
// constraint, "" when none.
func plainText(rel *catalog.Relation) string {
	keyed := map[string]bool{rel.TenantColumn: true}
	for _, k := range rel.PrimaryKey {
		keyed[k] = true
	}
	for _, u := range rel.Uniques {
		for _, k := range u {
			keyed[k] = true
		}
	}
	for _, fk := range rel.ForeignKeys {
		for _, k := range fk.Columns {
			keyed[k] = true
		}
	}
	for _, c := range rel.Columns {
		if !keyed[c.Name] && c.Category == "S" && (c.BaseType == "text" || c.BaseType == "varchar") {
			return c.Name
		}
	}
	return ""
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}
