package harness

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// crossRequestScript renders a cross-request finding as a psql script: the
// world, B's request alone (rolled back to a savepoint), A's request,
// then B's again (after dropping A's session state when B's request came
// on another connection). Statements up to the judged one (i) are
// written; one that failed in the harness's run of a request is written
// as a comment there (psql would stop at it), except the judged one in
// B's last request, whose failure is the evidence.
func (tg *Target) crossRequestScript(f *Finding, x crossReq, i int, runs [3][]resultSet) string {
	w := x.world
	var sb strings.Builder
	fmt.Fprintf(&sb, "-- tenantfuzz reproduction: %s\n", f.Summary())
	sb.WriteString("-- Run as a superuser against a database holding the same schema and overlays:\n")
	sb.WriteString("--   psql -v ON_ERROR_STOP=1 -f repro.sql <database>\n")
	sb.WriteString("-- Nothing is kept: the transaction is rolled back. Compare the last answer with the first.\n")
	sb.WriteString("BEGIN;\n")
	for _, ins := range InsertSQL(w) {
		sb.WriteString(ins + "\n")
	}
	sb.WriteString(refreshSQL(w))
	b, a := w.ViewerLabel(x.second), w.ViewerLabel(x.first)
	request := func(viewer int, rs []resultSet, last bool) {
		fmt.Fprintf(&sb, "SET LOCAL ROLE %s;\n%s; -- context of %s\n", catalog.QuoteIdent(tg.tenantRole(w, viewer)), tg.Strategy.Script(tg, w.ContextID(viewer)), w.ViewerLabel(viewer))
		for k := 0; k <= i; k++ {
			if rs[k].err != nil && !(last && k == i) {
				fmt.Fprintf(&sb, "-- failed in tenantfuzz's run (%s): %s\n", rs[k].code, sqltree.OneLine(x.stmts[k].SQL, 0))
				continue
			}
			sb.WriteString(x.stmts[k].SQL + ";\n")
		}
		sb.WriteString("RESET ROLE;\n")
	}
	fmt.Fprintf(&sb, "-- 1. %s's request alone: the answer it must get whatever other tenants asked before\n", b)
	sb.WriteString("SAVEPOINT tf_alone;\n")
	request(x.second, runs[1], false)
	sb.WriteString("ROLLBACK TO SAVEPOINT tf_alone;\n")
	sb.WriteString("-- (a sequence the request moved is not set back by the rollback; tenantfuzz sets it back)\n")
	fmt.Fprintf(&sb, "-- 2. %s asks the same\n", a)
	request(x.first, runs[0], false)
	if !x.same {
		fmt.Fprintf(&sb, "-- %s's request comes on another connection: %s's temporary tables and session settings are gone\n", b, a)
		sb.WriteString("DISCARD TEMP;\nRESET ALL;\n")
	}
	fmt.Fprintf(&sb, "-- 3. %s's request again: expected the same answer as in 1\n", b)
	for _, e := range f.Evidence {
		fmt.Fprintf(&sb, "-- tenantfuzz saw: %s\n", e)
	}
	request(x.second, runs[2], true)
	sb.WriteString("ROLLBACK;\n")
	return sb.String()
}
