package pgtap

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
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
			own[i], ok = tg.Catalog.TenantFilter(rel, "", lit(w.TenantID(i)))
			if !ok {
				break
			}
		}
		if !ok || len(w.RowsOf(rel)) == 0 {
			continue
		}
		files = append(files, File{Name: slug(rel.Name) + "_regression_1.sql", SQL: regressionFile(tg, rel, w.TenantID(0), w.TenantID(1), own, harness.InsertSQL(w), command)})
	}
	return files, nil
}

// regressionFile renders one table's suite.
func regressionFile(tg *harness.Target, rel *catalog.Relation, t1, t2 string, own [2]string, world []string, command string) string {
	name := rel.QualifiedName()
	role1, role2 := tg.RoleFor(t1), tg.RoleFor(t2)
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz regression suite for %s: tenants see exactly their own rows, no\n", rel.Name)
	b.WriteString("-- context sees none, a foreign update or delete changes nothing. It passed when\n")
	b.WriteString("-- exported and fails if a change opens the table. It needs pgTAP (CREATE EXTENSION\n")
	b.WriteString("-- pgtap) in a database holding the schema, runs as a superuser, and is rolled back.\n")
	b.WriteString("--   pg_prove -d <database> <this file>   (or commit it under supabase/tests/: supabase test db)\n")
	if command != "" {
		fmt.Fprintf(&b, "-- Exported by: %s\n", oneLine(command))
	}
	b.WriteString("BEGIN;\nSELECT plan(6);\n")
	b.WriteString(helpers)
	writeWorld(&b, world, nil)
	rows := func(cond string) string { return "SELECT q::text FROM (SELECT * FROM " + name + " WHERE " + cond + ") q" }
	b.WriteString("-- each tenant's rows, read by the owner\n")
	fmt.Fprintf(&b, "CREATE TEMP TABLE tf_t1 AS %s;\n", strings.Replace(rows(own[0]), "q::text", "q::text AS row", 1))
	fmt.Fprintf(&b, "CREATE TEMP TABLE tf_t2 AS %s;\n", strings.Replace(rows(own[1]), "q::text", "q::text AS row", 1))
	for _, r := range uniq(role1, role2) {
		fmt.Fprintf(&b, "GRANT SELECT ON tf_t1, tf_t2 TO %s;\n", ident(r))
	}
	all := dq("SELECT * FROM pg_temp.tf_rows('SELECT * FROM "+strings.ReplaceAll(name, "'", "''")+"')", "tf")
	fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", ident(tg.Config.AppRole))
	fmt.Fprintf(&b, "SELECT is_empty(%s, %s);\n", all, lit("no context sees no row of "+rel.Name))
	for _, c := range tg.EmptyContextScript() {
		b.WriteString(contextLine(c))
	}
	fmt.Fprintf(&b, "SELECT is_empty(%s, %s);\n", all, lit("an empty context sees no row of "+rel.Name))
	b.WriteString("RESET ROLE;\n")
	for i, t := range []string{t1, t2} {
		fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", ident(tg.RoleFor(t)))
		b.WriteString(contextLine(tg.ContextScript(t)))
		fmt.Fprintf(&b, "SELECT bag_eq(%s, 'SELECT row FROM tf_t%d', %s);\n", all, i+1, lit(fmt.Sprintf("T%d sees exactly its own rows of %s", i+1, rel.Name)))
		b.WriteString("RESET ROLE;\n")
	}
	var writes []string
	if rel.TenantColumn != "" {
		writes = append(writes, "UPDATE "+name+" SET "+ident(rel.TenantColumn)+" = "+lit(t1))
	} else {
		writes = append(writes, "UPDATE "+name+" SET "+ident(firstColumn(rel))+" = "+ident(firstColumn(rel)))
	}
	writes = append(writes, "DELETE FROM "+name)
	for _, wr := range writes {
		fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", ident(role1))
		b.WriteString(contextLine(tg.ContextScript(t1)))
		fmt.Fprintf(&b, "SELECT diag(%s || pg_temp.tf_write(%s));\n", lit("T1: "+wr+": "), dq(wr, "q"))
		b.WriteString("RESET ROLE;\n")
		fmt.Fprintf(&b, "SELECT bag_eq(%s, 'SELECT row FROM tf_t2', %s);\n", dq(rows(own[1]), "tf"), lit("T1's "+strings.Fields(wr)[0]+" leaves T2's rows of "+rel.Name+" unchanged"))
	}
	b.WriteString("SELECT * FROM finish();\nROLLBACK;\n")
	return b.String()
}

func firstColumn(rel *catalog.Relation) string {
	if len(rel.Columns) > 0 {
		return rel.Columns[0].Name
	}
	return "ctid"
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}
