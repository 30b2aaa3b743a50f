package harness

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// finding builds the finding for a leak seen in probe p.
func (tg *Target) finding(p probe, kind Kind, state contextState, s generators.Statement, other int, evidence []string, relation string) *Finding {
	return tg.findingExpected(p, kind, state, s, other, evidence, relation, "")
}

// findingExpected is finding for the differential oracle: expected
// summarises what the statement should have returned.
func (tg *Target) findingExpected(p probe, kind Kind, state contextState, s generators.Statement, other int, evidence []string, relation, expected string) *Finding {
	f := &Finding{
		Kind:      kind,
		Severity:  kind.Severity(),
		Property:  p.property,
		Relation:  relation,
		Context:   string(state),
		Statement: s.SQL,
		Evidence:  evidence,
		Expected:  expected,
	}
	if other >= 0 {
		f.OtherTenant = p.world.TenantID(other)
		f.OtherLabel = p.world.Tenants[other].Label
	}
	switch state {
	case ctxTenant:
		f.Tenant = p.world.TenantID(p.viewer)
		f.TenantLabel = p.world.ViewerLabel(p.viewer)
		if p.world.Membership() {
			f.User = p.world.ContextID(p.viewer)
		}
	case ctxUnset:
		f.TenantLabel = "no context"
	case ctxEmpty:
		f.TenantLabel = "empty context"
	}
	if p.large && tg.large != nil { // the script inserts the rows of the tenants involved
		involved := []int{p.viewer}
		if other >= 0 {
			involved = append(involved, other)
		}
		p.world = tg.large.view(involved...)
	}
	f.Script = tg.script(p, state, s, f)
	f.Repro = tg.repro(p, state, s, f)
	return f
}

// script renders a self-contained psql reproduction: the world inserted as
// the admin role, the switch to the application role, the context, and the
// statement, in a transaction that is rolled back.
func (tg *Target) script(p probe, state contextState, s generators.Statement, f *Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz reproduction: %s\n", f.Summary())
	if p.world == nil {
		return b.String()
	}
	b.WriteString("-- Run as a superuser against a database holding the same schema and overlays:\n")
	b.WriteString("--   psql -v ON_ERROR_STOP=1 -f repro.sql <database>\n")
	b.WriteString("-- Nothing is kept: the transaction is rolled back.\n")
	if p.large && tg.large != nil {
		fmt.Fprintf(&b, "-- The check ran in a large world of %d tenants (%d rows) bulk-loaded by tenantfuzz;\n", tg.large.Tenants, tg.large.Total)
		b.WriteString("-- this script inserts only the rows of the tenants involved. A defect that needs\n")
		b.WriteString("-- the whole world (a plan, statistics) may not show here: use the replay line.\n")
	}
	b.WriteString("BEGIN;\n")
	for _, ins := range InsertSQL(p.world) {
		b.WriteString(ins + "\n")
	}
	b.WriteString(refreshSQL(p.world))
	role := tg.Config.AppRole
	if p.role != "" {
		role = p.role
	}
	fmt.Fprintf(&b, "SET LOCAL ROLE %s;\n", catalog.QuoteIdent(role))
	switch state {
	case ctxTenant:
		fmt.Fprintf(&b, "%s; -- context of %s\n", tg.Strategy.Script(tg, f.contextID()), f.TenantLabel)
	case ctxEmpty:
		for _, s := range tg.Strategy.Settings(tg) {
			fmt.Fprintf(&b, "SELECT set_config(%s, '', true); -- an empty context\n", catalog.QuoteLiteral(s))
		}
	case ctxUnset:
		b.WriteString("-- no context is set (run this script in a new session)\n")
	}
	who := "this session"
	if f.Tenant != "" {
		who = f.TenantLabel
	}
	switch {
	case f.Kind == KindSideChannel:
		b.WriteString("-- expected: both inserts end the same way (run this script without ON_ERROR_STOP)\n")
		for i, st := range p.stmts {
			fmt.Fprintf(&b, "SAVEPOINT probe%d;\n%s;\nROLLBACK TO SAVEPOINT probe%d;\n", i, st.SQL, i)
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "-- tenantfuzz saw: %s\n", e)
		}
		b.WriteString("ROLLBACK;\n")
		return b.String()
	case f.Kind == KindDifferentialRead || f.Kind == KindOverFiltering:
		restricted, _ := s.Restricted(tg.Catalog, f.contextID())
		fmt.Fprintf(&b, "-- expected: the same rows as this query over %s's own rows (%s):\n--   %s\n", who, f.Expected, restricted)
	case f.Kind == KindCrossTenantWrite:
		fmt.Fprintf(&b, "-- expected: the rows of %s (%s) are unchanged by %s's write\n", f.OtherLabel, f.OtherTenant, who)
	default:
		fmt.Fprintf(&b, "-- expected: no row of %s (%s) is visible to %s\n", f.OtherLabel, f.OtherTenant, who)
	}
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "-- tenantfuzz saw: %s\n", e)
	}
	b.WriteString(s.SQL + ";\n")
	if s.Copy != nil {
		b.WriteString(strings.Join(s.Copy, "\n") + "\n\\.\n")
	}
	if s.Write {
		b.WriteString("RESET ROLE;\n")
		if rel := tg.Catalog.Relation(f.Relation); rel != nil {
			if cond, ok := tg.Catalog.TenantFilter(rel, "", nullableLiteral(f.OtherTenant)); ok {
				fmt.Fprintf(&b, "-- %s's rows after the write, as the superuser:\nSELECT * FROM %s WHERE %s;\n",
					f.OtherLabel, rel.QualifiedName(), cond)
			}
		}
	}
	b.WriteString("ROLLBACK;\n")
	return b.String()
}

// nullableLiteral quotes s, or NULL for "".
func nullableLiteral(s string) string {
	if s == "" {
		return "NULL"
	}
	return catalog.QuoteLiteral(s)
}

// contextID is what the finding's context carried: the user's id under
// membership tenancy, else the tenant's.
func (f *Finding) contextID() string {
	if f.User != "" {
		return f.User
	}
	return f.Tenant
}
