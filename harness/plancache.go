package harness

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// KindPlanCache: a statement prepared under one role kept applying that
// role's row-security policies after the session switched roles.
const KindPlanCache Kind = "plan-cache"

// planCacheCVE names the server bug this property probes for.
const planCacheCVE = "CVE-2024-10976 (row security below subqueries disregarded user ID changes; fixed in 17.2, 16.6, 15.10, 14.15, 13.18; earlier variants CVE-2016-2193 and CVE-2023-2455)"

// executeRole, when set by tests, replaces the role EXECUTE runs as: a
// stand-in for the server bug, to prove the comparison catches it.
var executeRole func(tg *Target) string

// PlanCache is the property: a statement PREPAREd while the session runs
// as role A (which a permissive policy lets see every tenant) and EXECUTEd
// after SET ROLE B returns what the same statement returns when planned
// afresh as B: the tenant's own rows only. Roles and the policy exist only
// inside the check's transaction, which is rolled back.
//
// This was a server bug (see planCacheCVE): findings name the server
// version. Limits: membership changes (GRANT/REVOKE between PREPARE and
// EXECUTE) are not probed.
var PlanCache = &Property{
	Name:   "plan-cache",
	Title:  "prepared statements re-check row security after a role change",
	Labels: []string{"context", "plan-cache", "soc2:CC7.1"},
	Plain:  func(*Target) []string { return []string{"prepared statements"} },
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
			var rels []*catalog.Relation
			for _, r := range tg.Catalog.TenantTables() {
				if r.Priv.Select && r.TenantColumn != "" {
					rels = append(rels, r)
				}
			}
			rel := rapid.SampledFrom(rels).Draw(rt, "relation")
			var stats Stats
			f, err := tg.planCacheProbe(ctx, w, viewer, rel.QualifiedName(), rel.String(), &stats)
			return f, stats, err
		})
	},
}

func (tg *Target) planCacheProbe(ctx context.Context, w *generators.World, viewer int, qname, name string, st *Stats) (*Finding, error) {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := loadWorld(ctx, tx, w); err != nil {
		return nil, err
	}
	st.checked(w)
	app := quoteIdent(tg.Config.AppRole)
	setup := "CREATE ROLE tf_plan_a NOLOGIN IN ROLE " + app + "; CREATE ROLE tf_plan_b NOLOGIN IN ROLE " + app + ";" +
		"CREATE POLICY tf_plan_a_all ON " + qname + " FOR SELECT TO tf_plan_a USING (true)"
	if _, err := tx.Exec(ctx, setup); err != nil {
		return nil, fmt.Errorf("set up plan-cache roles (needs CREATEROLE): %w", err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config($1, $2, true)", tg.Config.ContextSetting, w.TenantID(viewer)); err != nil {
		return nil, fmt.Errorf("set context: %w", err)
	}
	sql := "SELECT count(*) FROM (SELECT * FROM " + qname + ") s"
	var asA, stale, fresh int
	steps := []struct {
		sql  string
		dest *int
	}{
		{"SET LOCAL ROLE tf_plan_a", nil}, {"PREPARE tf_plan AS " + sql, nil}, {"EXECUTE tf_plan", &asA},
		{"RESET ROLE; SET LOCAL ROLE tf_plan_b", nil}, {"EXECUTE tf_plan", &stale}, {sql, &fresh},
		{"RESET ROLE; DEALLOCATE tf_plan", nil},
	}
	if executeRole != nil { // EXECUTE alone runs as another role
		steps = append(steps[:4], append([]struct {
			sql  string
			dest *int
		}{{"SET LOCAL ROLE " + executeRole(tg), nil}, steps[4], {"SET LOCAL ROLE tf_plan_b", nil}}, steps[5:]...)...)
	}
	for _, s := range steps {
		if s.dest == nil {
			if _, err := tx.Exec(ctx, s.sql); err != nil {
				return nil, fmt.Errorf("plan-cache step %q: %w", s.sql, err)
			}
			continue
		}
		if err := tx.QueryRow(ctx, s.sql).Scan(s.dest); err != nil {
			return nil, fmt.Errorf("plan-cache step %q: %w", s.sql, err)
		}
	}
	st.Statements += 3
	if asA > fresh {
		st.Reached++ // role A saw more: a stale plan would show
	}
	if stale == fresh {
		return nil, nil
	}
	f := &Finding{Kind: KindPlanCache, Severity: SeverityCritical, Property: "plan-cache", Relation: name,
		Tenant: w.TenantID(viewer), TenantLabel: w.Tenants[viewer].Label, Context: "tenant",
		Statement: "PREPARE tf_plan AS " + sql + " (as role A, then EXECUTE as role B)",
		Evidence: []string{fmt.Sprintf("as A: %d rows; EXECUTE after SET ROLE B: %d rows; planned afresh as B: %d rows", asA, stale, fresh),
			fmt.Sprintf("server %s: %s", tg.DB.Version, planCacheCVE)}}
	f.Script = fmt.Sprintf("-- tenantfuzz reproduction: %s\nBEGIN;\n%s\nCREATE ROLE tf_plan_a NOLOGIN IN ROLE %s;\nCREATE ROLE tf_plan_b NOLOGIN IN ROLE %s;\nCREATE POLICY tf_plan_a_all ON %s FOR SELECT TO tf_plan_a USING (true);\nSELECT set_config(%s, %s, true);\nSET LOCAL ROLE tf_plan_a;\nPREPARE tf_plan AS %s;\nEXECUTE tf_plan;\nRESET ROLE; SET LOCAL ROLE tf_plan_b;\nEXECUTE tf_plan; -- expected the same count as:\n%s;\nROLLBACK;\n",
		f.Summary(), joinLines(InsertSQL(w)), app, app, qname, quoteLiteral(tg.Config.ContextSetting), quoteLiteral(w.TenantID(viewer)), sql, sql)
	return f, nil
}

func joinLines(s []string) string {
	out := ""
	for _, l := range s {
		out += l + "\n"
	}
	return out
}
