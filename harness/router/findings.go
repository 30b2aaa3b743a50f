package router

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// requestFinding builds a finding about one request: who the host names,
// who was served, the router's statements and a reproduction script.
func (c *checker) requestFinding(kind harness.Kind, o outcome, served int, evidence ...string) *harness.Finding {
	f := &harness.Finding{Kind: kind, Severity: severity(kind), Property: c.property, Relation: "router",
		TenantLabel: "no tenant", Context: fmt.Sprintf("Host %q", o.call.Host), Evidence: evidence}
	if i := o.call.Names; i >= 0 {
		f.Tenant, f.TenantLabel = c.w.tenants[i].ID, c.w.tenants[i].Label
	}
	if served >= 0 && served != o.call.Names {
		f.OtherTenant, f.OtherLabel = c.w.tenants[served].ID, c.w.tenants[served].Label
	}
	var stmts []string
	for _, s := range o.rec.statements() {
		stmts = append(stmts, "["+s.db+"] "+sqltree.OneLine(s.sql, 0))
	}
	f.Statement = strings.Join(stmts, "; ")
	f.Script = c.requestScript(o, f)
	return f
}

// worldHeader describes the databases and tenants for a script.
func (c *checker) worldHeader(b *strings.Builder) {
	b.WriteString("-- Level 3: each database below is a PostgreSQL server of its own with the reference\n")
	b.WriteString("-- schema, tenants.tier without its CHECK, and ALTER DATABASE ... SET tenantfuzz.database = '<name>'.\n-- Tenants:\n")
	for _, t := range c.w.tenants {
		fmt.Fprintf(b, "--   %s %s host %s, %s\n", t.Label, t.ID, t.Host, t.describe())
	}
}

// requestScript reproduces a request finding: the world per database, the
// statements the router sent, and the queries that show the failure.
func (c *checker) requestScript(o outcome, f *harness.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz reproduction: %s\n", Headline(f))
	c.worldHeader(&b)
	fmt.Fprintf(&b, "-- The request: Host %q (%s)", o.call.Host, o.call.Variant)
	if o.call.Names >= 0 {
		fmt.Fprintf(&b, ", which names %s", c.w.tenants[o.call.Names].Label)
	} else {
		b.WriteString(", which names no tenant")
	}
	fmt.Fprintf(&b, ".\n-- Inside it the server reported tenantfuzz.database = %q, app.tenant_id = %q, current_user = %q.\n", o.db, o.ctx, o.user)
	b.WriteString(o.rec.script())
	b.WriteString(c.w.insertScript(c.env))
	fmt.Fprintf(&b, "-- Then, as %s on the database the router picked, after its statements:\n", c.env.Shared.Target.Config.AppRole)
	b.WriteString("SELECT current_setting('tenantfuzz.database', true) AS database, current_setting('app.tenant_id', true) AS tenant;\n")
	b.WriteString(c.countSQL() + ";\n")
	return b.String()
}

// tableFinding builds a finding about rows of one table in one database.
func (c *checker) tableFinding(kind harness.Kind, table string, tenant int, evidence []string, checks string) *harness.Finding {
	f := &harness.Finding{Kind: kind, Severity: severity(kind), Property: c.property, Relation: table, Context: "owner", Evidence: evidence}
	if tenant >= 0 {
		f.Tenant, f.TenantLabel = c.w.tenants[tenant].ID, c.w.tenants[tenant].Label
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz reproduction: %s\n", Headline(f))
	c.worldHeader(&b)
	b.WriteString("-- The world as loaded (before the requests and any migration):\n")
	b.WriteString(c.w.insertScript(c.env))
	b.WriteString(checks)
	f.Script = b.String()
	f.Statement = sqltree.OneLine(checks, 0)
	return f
}
