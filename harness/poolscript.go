package harness

import (
	"fmt"
	"strings"
)

// requestScript renders a request as psql lines.
func (m *poolModel) requestScript(r request) string {
	tg := m.tg
	var b strings.Builder
	who := "no context"
	if r.tenant >= 0 {
		who = m.w.Tenants[r.tenant].Label
	}
	fmt.Fprintf(&b, "-- request of %s\nBEGIN;\n", who)
	if r.tenant >= 0 {
		b.WriteString(tg.Strategy.Script(tg, m.w.TenantID(r.tenant)) + ";\n")
	}
	if r.savepoint >= 0 {
		b.WriteString("SAVEPOINT inner_work;\n" + tg.Strategy.Script(tg, m.w.TenantID(r.savepoint)) + ";\nROLLBACK TO SAVEPOINT inner_work;\n")
	}
	col := r.rel.TenantColumn
	if col == "" {
		col = r.rel.PrimaryKey[0]
	}
	fmt.Fprintf(&b, "SELECT %s FROM %s;\n", quoteIdent(col), r.rel.QualifiedName())
	if r.fail {
		b.WriteString("SELECT 1/0;\nROLLBACK;\n")
	} else {
		b.WriteString("COMMIT;\n")
	}
	return b.String()
}

// finding reports a pool violation with a two-session script: the
// requests before it on one session (a pool of one backend), then the
// failing one.
func (m *poolModel) finding(kind Kind, r request, prev int, what string) *Finding {
	tg := m.tg
	f := &Finding{Kind: kind, Severity: kind.Severity(), Property: "pool-isolation", Relation: r.rel.String(), Context: "pool", Evidence: []string{what}}
	if r.tenant >= 0 {
		f.Tenant, f.TenantLabel = m.w.TenantID(r.tenant), m.w.Tenants[r.tenant].Label
	} else {
		f.TenantLabel = "no context"
	}
	if prev >= 0 {
		f.OtherTenant, f.OtherLabel = m.w.TenantID(prev), m.w.Tenants[prev].Label
	}
	m.mu.Lock()
	log := append([]string(nil), m.log...)
	m.mu.Unlock()
	f.Statement = fmt.Sprintf("request of %s on a pooled connection after %d earlier requests: %s", f.TenantLabel, len(log), what)
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz reproduction: %s\n", f.Summary())
	b.WriteString("-- Run with psql as a superuser against a scratch database holding the same schema and overlays.\n")
	b.WriteString("-- It commits the world, replays the requests on one session (one pooled backend), then deletes the world.\n")
	b.WriteString("BEGIN;\n")
	for _, ins := range InsertSQL(m.w) {
		b.WriteString(ins + "\n")
	}
	b.WriteString("COMMIT;\n")
	fmt.Fprintf(&b, "SET SESSION AUTHORIZATION %s; -- the pool's login role\n", quoteIdent(tg.Config.AppRole))
	for _, l := range log {
		b.WriteString(l)
	}
	b.WriteString("-- the failing request: expected no context left behind, and only its own rows\n")
	for _, s := range tg.Strategy.Settings(tg) {
		fmt.Fprintf(&b, "SELECT current_user, current_setting(%s, true) AS context_at_borrow;\n", quoteLiteral(s))
	}
	b.WriteString(m.requestScript(r))
	fmt.Fprintf(&b, "-- tenantfuzz saw: %s\n", what)
	b.WriteString("RESET SESSION AUTHORIZATION;\n")
	var names []string
	for _, rel := range tg.Catalog.TenantTables() {
		names = append(names, rel.QualifiedName())
	}
	fmt.Fprintf(&b, "TRUNCATE %s CASCADE; -- clean up\n", strings.Join(names, ", "))
	f.Script = b.String()
	return f
}
