// Package pgtap turns tenantfuzz findings into pgTAP test files a team
// commits to its own suite (pg_prove, `supabase test db`): each file
// inserts the finding's minimal world as the owner, switches to the
// application role and the finding's context, runs the statement and
// asserts what a fixed schema does, so it fails while the defect exists
// and passes once it is fixed. Regression renders, from a clean target, a
// small fixed suite per tenant table that locks in today's good state.
//
// Files need only pgTAP (CREATE EXTENSION pgtap) and the schema under
// test; they run in one transaction that is rolled back, define their
// helpers as pg_temp functions, and are byte-identical for the same input.
// Limits: findings whose reproduction needs more than one session (pool,
// plan cache), no SQL (vector store, router) or COPY data are skipped,
// with the reason; a fix that makes a read raise (rather than return no
// rows) passes, as it does in tenantfuzz.
package pgtap

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// File is one exported test file.
type File struct {
	Name string // <relation>_<kind>_<n>.sql
	SQL  string
}

// Finding is a finding with its number in the report.
type Finding struct {
	ID int
	harness.Finding
}

// Options tune the headers.
type Options struct {
	// Report is the path of report.json as the user gave it, for the
	// replay line in each header ("" leaves that line out).
	Report string
}

// Findings renders one file per finding that carries a reproduction and
// returns, for the others, why they were skipped.
func Findings(fs []Finding, opts Options) (files []File, skipped []string) {
	seen := map[string]int{}
	for _, f := range fs {
		if reason := exportable(&f.Finding); reason != "" {
			skipped = append(skipped, fmt.Sprintf("finding %d (%s on %s): %s", f.ID, f.Kind, f.Relation, reason))
			continue
		}
		stem := slug(f.Relation) + "_" + slug(string(f.Kind))
		seen[stem]++
		files = append(files, File{Name: fmt.Sprintf("%s_%d.sql", stem, seen[stem]), SQL: findingFile(f, opts)})
	}
	return files, skipped
}

// exportable says why f cannot be exported, or "".
func exportable(f *harness.Finding) string {
	switch {
	case f.Repro == nil:
		return "no reproduction as data (the finding needs more than one session or no SQL): use its replay line"
	case len(f.Repro.Copy) > 0:
		return "a COPY statement (its data cannot run inside a pgTAP function)"
	}
	return ""
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// slug lower-cases s and keeps letters and digits, joined by _.
func slug(s string) string {
	return strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), "_"), "_")
}

// findingFile renders f's test.
func findingFile(f Finding, opts Options) string {
	r := f.Repro
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz regression test for finding %d: %s\n", f.ID, sqltree.OneLine(f.Summary(), 0))
	b.WriteString("-- It fails while the defect exists and passes once it is fixed. It needs pgTAP\n")
	b.WriteString("-- (CREATE EXTENSION pgtap) in a database holding the schema under test, runs as a\n")
	b.WriteString("-- superuser (the owner of the world), and changes nothing: it is rolled back.\n")
	b.WriteString("--   pg_prove -d <database> " + "<this file>   (or commit it under supabase/tests/: supabase test db)\n")
	fmt.Fprintf(&b, "-- Found by: %s\n", sqltree.OneLine(f.Replay, 0))
	if opts.Report != "" {
		fmt.Fprintf(&b, "-- Replay:   tenantfuzz replay --report %s --finding %d\n", opts.Report, f.ID)
	}
	b.WriteString("BEGIN;\nSELECT plan(1);\n")
	b.WriteString(helpers)
	writeWorld(&b, r.World, r.Setup)
	who := f.TenantLabel
	switch r.Expected.Check {
	case harness.CheckSameRows:
		b.WriteString("-- what a fixed schema returns: the statement over the viewer's own rows, read by the owner\n")
		fmt.Fprintf(&b, "CREATE TEMP TABLE tf_expected AS SELECT q::text AS row FROM (%s) q;\n", r.Expected.Query)
		fmt.Fprintf(&b, "GRANT SELECT ON tf_expected TO %s;\n", catalog.QuoteIdent(r.Role))
		enter(&b, r)
		desc := fmt.Sprintf("%s gets exactly the rows of its own data (finding %d: %s)", who, f.ID, f.Kind)
		fmt.Fprintf(&b, "SELECT bag_eq(%s, 'SELECT row FROM tf_expected', %s);\n", dq("SELECT * FROM pg_temp.tf_rows("+dq(r.Statement, "q")+")", "tf"), catalog.QuoteLiteral(desc))
		b.WriteString("RESET ROLE;\n")
	case harness.CheckUnchanged:
		b.WriteString("-- the rows that are not the writer's, read by the owner before the write\n")
		fmt.Fprintf(&b, "CREATE TEMP TABLE tf_before AS SELECT q::text AS row FROM (%s) q;\n", r.Expected.Query)
		enter(&b, r)
		fmt.Fprintf(&b, "SELECT diag('the write: ' || pg_temp.tf_write(%s));\n", dq(r.Statement, "q"))
		b.WriteString("RESET ROLE;\n")
		desc := fmt.Sprintf("%s's write leaves the rows of other tenants unchanged (finding %d: %s)", who, f.ID, f.Kind)
		fmt.Fprintf(&b, "SELECT bag_eq(%s, 'SELECT row FROM tf_before', %s);\n", dq("SELECT q::text FROM ("+r.Expected.Query+") q", "tf"), catalog.QuoteLiteral(desc))
	case harness.CheckSameOutcome:
		enter(&b, r)
		desc := fmt.Sprintf("a write colliding with another tenant's key ends like one colliding with nothing (finding %d: %s)", f.ID, f.Kind)
		fmt.Fprintf(&b, "SELECT is(pg_temp.tf_outcome(%s), pg_temp.tf_outcome(%s), %s);\n", dq(r.Probes[0], "q"), dq(r.Probes[1], "q"), catalog.QuoteLiteral(desc))
		b.WriteString("RESET ROLE;\n")
	}
	b.WriteString("SELECT * FROM finish();\nROLLBACK;\n")
	return b.String()
}

// writeWorld inserts the world as the owner.
func writeWorld(b *strings.Builder, world, setup []string) {
	b.WriteString("-- the world, inserted by the owner\n")
	for _, s := range world {
		b.WriteString(s + "\n")
	}
	for _, s := range setup {
		b.WriteString(s + "\n")
	}
}

// enter switches to the statement's role and context.
func enter(b *strings.Builder, r *harness.Repro) {
	fmt.Fprintf(b, "SET LOCAL ROLE %s;\n", catalog.QuoteIdent(r.Role))
	switch r.ContextState {
	case "unset":
		b.WriteString("-- no context: this session never set one\n")
	case "empty":
		b.WriteString("-- an empty context, what a transaction-local setting leaves behind\n")
	}
	for _, c := range r.Context {
		b.WriteString(contextLine(c))
	}
}

// contextLine runs a context statement without output (TAP allows none):
// inside DO, whose EXECUTE discards rows; set_config(..., true) and SET
// LOCAL still last until the end of the transaction.
func contextLine(c string) string {
	c = strings.TrimSuffix(strings.TrimSpace(c), ";")
	return "DO " + dq("BEGIN EXECUTE "+catalog.QuoteLiteral(c)+"; END", "ctx") + ";\n"
}

// helpers are the pg_temp functions the assertions call. A refusal
// (privilege, policy that raises, integrity) is what a fixed schema may
// answer, so tf_rows returns no rows and tf_write reports it.
const helpers = `-- helpers, dropped with the session: a refused read returns no rows, a refused write is reported
CREATE FUNCTION pg_temp.tf_rows(q text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY EXECUTE 'SELECT q::text FROM (' || q || ') q';
EXCEPTION WHEN insufficient_privilege OR raise_exception OR feature_not_supported THEN
  RETURN;
END $f$;
CREATE FUNCTION pg_temp.tf_write(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
  EXECUTE q;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n || ' rows';
EXCEPTION WHEN insufficient_privilege OR integrity_constraint_violation OR raise_exception OR feature_not_supported THEN
  RETURN 'refused (' || SQLSTATE || ')';
END $f$;
CREATE FUNCTION pg_temp.tf_outcome(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
  BEGIN
    EXECUTE q;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE SQLSTATE 'TFOK0' USING MESSAGE = n::text;
  EXCEPTION WHEN SQLSTATE 'TFOK0' THEN
    RETURN 'ok, ' || SQLERRM || ' rows';
  END;
EXCEPTION WHEN others THEN
  RETURN SQLSTATE;
END $f$;
`

// dq dollar-quotes s with a tag built on base that s does not contain.
func dq(s, base string) string {
	tag := "$" + base + "$"
	for i := 1; strings.Contains(s, tag); i++ {
		tag = fmt.Sprintf("$%s%d$", base, i)
	}
	return tag + s + tag
}
