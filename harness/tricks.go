package harness

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// KindRoleTrick: a tenant that can run SQL changed whose rows it sees by
// setting roles or settings itself.
const KindRoleTrick Kind = "role-trick"

// RoleTricks is the property for stacks where clients reach SQL (PostgREST
// and Supabase RPC, BI tools, SQL consoles): with tenant T's context set on
// a session authorised as the application role, no statement T can run
// itself (SET ROLE, RESET ROLE, SET / RESET / set_config of the context
// setting, SET SESSION AUTHORIZATION) makes another tenant's rows visible.
//
// A context kept in a setting the client may change fails this by design:
// such stacks must derive the tenant from something the client cannot set
// (a verified JWT, a role per tenant). The property carries the label
// sql-access and is off in the default profiles (exposed-sql runs it).
//
// Reach: a check reaches when the trick ran and a relation the session
// could still read holds another tenant's rows (in the world the admin
// inserted); tricks refused, or a session that can read no relation
// holding other tenants' rows, prove nothing, and a subject none of whose
// checks reached is blind.
var RoleTricks = &Property{
	Name:   "role-tricks",
	Title:  "a tenant running SQL cannot switch its own tenant",
	Labels: []string{"context", "sql-access", "soc2:CC6.1"},
	Plain:  func(*Target) []string { return []string{"tricks"} },
	// A pass needs a session that saw its own rows after some trick: one
	// that sees nothing at all tells isolation from nothing.
	control: true,
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
			other := w.TenantID((viewer + 1) % len(w.Tenants))
			setting := tg.Strategy.Settings(tg)[0]
			tricks := []string{
				"SELECT set_config(" + catalog.QuoteLiteral(setting) + ", " + catalog.QuoteLiteral(other) + ", true)",
				"SET " + catalog.QuoteIdent(setting) + " = " + catalog.QuoteLiteral(other),
				"RESET " + catalog.QuoteIdent(setting),
				"RESET ROLE",
				"SET ROLE NONE",
				"SET ROLE " + catalog.QuoteIdent(tg.Catalog.TenantsTable.Owner),
				"SET SESSION AUTHORIZATION DEFAULT",
				"RESET ALL",
			}
			if tg.Strategy.Role != nil { // role per tenant: become another tenant's role
				tricks = append(tricks, "SET ROLE "+catalog.QuoteIdent(tg.Strategy.Role(tg, other)))
			}
			trick := rapid.SampledFrom(tricks).Draw(rt, "trick")
			var stats Stats
			f, err := tg.trickProbe(ctx, w, viewer, trick, &stats)
			return f, stats, err
		})
	},
}

// trickProbe runs one trick in a session authorised as the role the
// tenant's client logs in as: the application role, or under a
// role-per-tenant strategy the tenant's own role. The harness's connection
// is a superuser's standing in for that login, so SET SESSION
// AUTHORIZATION DEFAULT runs as what it means to the client: back to the
// role it logged in as (to the harness it would mean the superuser).
func (tg *Target) trickProbe(ctx context.Context, w *generators.World, viewer int, trick string, st *Stats) (*Finding, error) {
	login := tg.tenantRole(w, viewer)
	conn, tx, err := tg.sessionAs(ctx, w, login)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	defer tx.Rollback(context.WithoutCancel(ctx))
	st.checked(w)
	if err := tg.Strategy.Set(ctx, tx, tg, w.TenantID(viewer)); err != nil {
		return nil, fmt.Errorf("set context: %w", err)
	}
	st.Statements++
	run := trick
	if trick == "SET SESSION AUTHORIZATION DEFAULT" {
		run = "SET SESSION AUTHORIZATION " + catalog.QuoteIdent(login)
	}
	if _, err := tx.Exec(ctx, run); err != nil {
		st.reject(err) // refused: the session stays as it was
		return nil, nil
	}
	seen, err := tg.visibleTenants(ctx, tx)
	if err != nil {
		return nil, err
	}
	if foreignInWorld(w, seen, w.TenantID(viewer)) {
		st.Reached++ // after the trick, a readable relation holds another tenant's rows
	}
	for _, v := range seen {
		rel := v.rel
		for _, k := range v.keys {
			st.Rows++
			if k == w.TenantID(viewer) {
				st.sawOwn() // the control: the session still sees its own rows
				continue
			}
			f := &Finding{Kind: KindRoleTrick, Severity: SeverityHigh, Property: "role-tricks", Relation: rel,
				Tenant: w.TenantID(viewer), TenantLabel: w.Tenants[viewer].Label, OtherTenant: k, Context: "tenant", Statement: trick,
				Evidence: []string{fmt.Sprintf("after %q the session sees rows of %s", trick, k)}}
			for i, t := range w.Tenants {
				if t.ID == k {
					f.OtherLabel = w.Tenants[i].Label
				}
			}
			var roles []string
			for i := 0; tg.Strategy.Role != nil && i < len(w.Tenants); i++ {
				roles = append(roles, createTenantRole(tg, w.TenantID(i))+";")
			}
			f.Script = fmt.Sprintf("-- tenantfuzz reproduction: %s\nBEGIN;\n%s%sSET SESSION AUTHORIZATION %s;\n%s;\n%s; -- run by the tenant itself (%s)\nSELECT * FROM %s;\nROLLBACK;\n",
				f.Summary(), joinLines(InsertSQL(w)), joinLines(roles), catalog.QuoteIdent(login), tg.Strategy.Script(tg, w.TenantID(viewer)), run, trick, rel)
			return f, nil
		}
	}
	return nil, nil
}
