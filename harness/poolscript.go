package harness

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// requestScript renders a request as psql lines. A request the system
// refused (refused set) is a comment: its transaction was rolled back and
// left nothing on the session, and a psql run with ON_ERROR_STOP must go
// on. A request that failed midway is rendered with its ROLLBACK only (the
// error the harness raised changes nothing the rollback does not).
func (m *poolModel) requestScript(r request, refused *pgconn.PgError) string {
	tg := m.tg
	who := m.labelOf(r.tenant)
	if refused != nil {
		return fmt.Sprintf("-- request of %s: %s raised SQLSTATE %s (%s): failed closed, rolled back, nothing kept\n",
			who, r.rel, refused.Code, strings.ReplaceAll(refused.Message, "\n", " "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- request of %s\nBEGIN;\n", who)
	if r.tenant >= 0 {
		b.WriteString(tg.Strategy.Script(tg, m.w.TenantID(r.tenant)) + ";\n")
	}
	if r.savepoint >= 0 {
		b.WriteString("SAVEPOINT inner_work;\n" + tg.Strategy.Script(tg, m.w.TenantID(r.savepoint)) + ";\nROLLBACK TO SAVEPOINT inner_work;\n")
	}
	b.WriteString(poolReadSQL(r) + ";\n")
	if r.fail {
		b.WriteString("ROLLBACK; -- the request failed midway (tenantfuzz ran SELECT 1/0 here)\n")
	} else {
		b.WriteString("COMMIT;\n")
	}
	return b.String()
}

// finding reports a pool violation with a one-session script: the requests
// the same backend served before, then the failing one.
//
// other is the other tenant the finding names (-1: none): the owner of a
// row read across tenants, or the tenant whose context the connection kept;
// never the requesting tenant itself.
func (m *poolModel) finding(kind Kind, pid uint32, r request, other int, what string, more ...string) *Finding {
	tg := m.tg
	f := &Finding{Kind: kind, Severity: kind.Severity(), Property: "pool-isolation", Relation: r.rel.String(), Context: "pool", Evidence: append([]string{what}, more...)}
	if r.tenant >= 0 {
		f.Tenant, f.TenantLabel = m.w.TenantID(r.tenant), m.w.Tenants[r.tenant].Label
	} else {
		f.TenantLabel = "no context"
	}
	if other >= 0 && other != r.tenant {
		f.OtherTenant, f.OtherLabel = m.w.TenantID(other), m.w.Tenants[other].Label
	}
	m.mu.Lock()
	log := append([]string(nil), m.log[pid]...)
	m.mu.Unlock()
	f.Statement = fmt.Sprintf("request of %s on a pooled connection after %d earlier requests on it: %s", f.TenantLabel, len(log), what)
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz reproduction: %s\n", f.Summary())
	b.WriteString("-- Run with psql as a superuser against a scratch database holding the same schema and overlays\n")
	b.WriteString("-- (psql -v ON_ERROR_STOP=1 -f this.sql). It commits the world, replays the requests the pooled\n")
	b.WriteString("-- backend served, on one session, then deletes the world.\n")
	b.WriteString("BEGIN;\n")
	for _, ins := range InsertSQL(m.w) {
		b.WriteString(ins + "\n")
	}
	b.WriteString("COMMIT;\n")
	fmt.Fprintf(&b, "SET SESSION AUTHORIZATION %s; -- the pool's login role\n", catalog.QuoteIdent(tg.Config.AppRole))
	for _, l := range log {
		b.WriteString(l)
	}
	b.WriteString("-- the next borrow: expected no context left behind, and only the request's own rows\n")
	for _, s := range m.settings {
		fmt.Fprintf(&b, "SELECT current_user, current_setting(%s, true) AS context_at_borrow;\n", catalog.QuoteLiteral(s))
	}
	b.WriteString(m.requestScript(r, nil))
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "-- tenantfuzz saw: %s\n", e)
	}
	b.WriteString("RESET SESSION AUTHORIZATION;\n")
	var names []string
	for _, rel := range tg.Catalog.TenantTables() {
		names = append(names, rel.QualifiedName())
	}
	fmt.Fprintf(&b, "TRUNCATE %s CASCADE; -- clean up\n", strings.Join(names, ", "))
	f.Script = b.String()
	return f
}
