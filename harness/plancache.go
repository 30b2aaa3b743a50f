package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// KindPlanCache: a statement prepared under one role kept applying that
// role's row-security policies after the session switched roles.
const KindPlanCache Kind = "plan-cache"

// planCacheServer says what the server release makes of a stale plan: on a
// release affected by CVE-2024-10976 (CVE202410976, the one table of its
// fixed releases) the finding names the CVE; on one with the fix it says
// so, and names no CVE (the stale plan is then something else: an
// extension, a pooler, a new bug).
func planCacheServer(tg *Target) string {
	a := CVE202410976
	if a.Affects(tg.Catalog.ServerVersionNum) {
		return fmt.Sprintf("server %s is affected by %s (%s; fixed in %s; earlier variants CVE-2016-2193 and CVE-2023-2455)", tg.DB.Version, a.Name, a.What, strings.Join(a.Fixed, ", "))
	}
	return fmt.Sprintf("server %s has the fix for %s (fixed in %s): not that known server bug", tg.DB.Version, a.Name, strings.Join(a.Fixed, ", "))
}

// executeRole, when set by tests, replaces the role EXECUTE runs as: a
// stand-in for the server bug, to prove the comparison catches it.
var executeRole func(tg *Target) string

// PlanCache is the property: a statement PREPAREd while the session runs
// as role A (which a permissive policy lets see every tenant) and EXECUTEd
// after SET ROLE B returns what the same statement returns when planned
// afresh as B: the tenant's own rows only. Roles and the policy exist only
// inside the check's transaction, which is rolled back.
//
// This was a server bug (CVE202410976): findings name the server version,
// and the CVE only when that version is affected. Limits: membership changes (GRANT/REVOKE between PREPARE and
// EXECUTE) are not probed.
var PlanCache = &Property{
	Name:   "plan-cache",
	Title:  "prepared statements re-check row security after a role change",
	Labels: []string{"context", "plan-cache", "soc2:CC7.1"},
	// Positive control: planned afresh as role B, the statement shows the
	// tenant some rows in some check.
	control: true,
	Plain:   func(*Target) []string { return []string{"prepared statements"} },
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rels, applies := tg.planCacheRelations(ctx)
		return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
			if applies != nil {
				return nil, Stats{}, applies
			}
			rel := rapid.SampledFrom(rels).Draw(rt, "relation")
			var stats Stats
			f, err := tg.planCacheProbe(ctx, w, viewer, rel.QualifiedName(), rel.String(), &stats)
			return f, stats, err
		})
	},
}

func (tg *Target) planCacheProbe(ctx context.Context, w *generators.World, viewer int, qname, name string, st *Stats) (*Finding, error) {
	conn, err := tg.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire: %w", err)
	}
	defer dropPlan(ctx, conn) // after the rollback below: PREPARE outlives it
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := loadWorld(ctx, tx, w); err != nil {
		return nil, err
	}
	st.checked(w)
	app := catalog.QuoteIdent(tg.Config.AppRole)
	setup := "CREATE ROLE tf_plan_a NOLOGIN IN ROLE " + app + "; CREATE ROLE tf_plan_b NOLOGIN IN ROLE " + app + ";" +
		"CREATE POLICY tf_plan_a_all ON " + qname + " FOR SELECT TO tf_plan_a USING (true)"
	if _, err := tx.Exec(ctx, setup); err != nil {
		return nil, fmt.Errorf("set up plan-cache roles (needs CREATEROLE): %w", err)
	}
	// The tenant's context, set the way the application sets it (a
	// --context-sql setter may set another setting than the default).
	if ok, err := tg.applyContext(ctx, tx, func(q Execer) error { return tg.Strategy.Set(ctx, q, tg, w.TenantID(viewer)) }); !ok {
		return nil, fmt.Errorf("set tenant context with strategy %s as %s: %w (check --context/--context-sql)", tg.Strategy.Name, tg.Config.AppRole, err)
	}
	sql := "SELECT count(*) FROM (SELECT * FROM " + qname + ") s"
	var asA, stale, fresh int
	steps := []struct {
		sql  string
		dest *int
	}{
		{"RESET ROLE; SET LOCAL ROLE tf_plan_a", nil}, {"PREPARE tf_plan AS " + sql, nil}, {"EXECUTE tf_plan", &asA},
		{"RESET ROLE; SET LOCAL ROLE tf_plan_b", nil}, {"EXECUTE tf_plan", &stale}, {sql, &fresh},
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
			if isPgError(err) {
				// The statement raised as a role of the application (a
				// policy reading a setting that is not set): failing
				// closed, counted as a refusal.
				st.reject(err)
				return nil, nil
			}
			return nil, fmt.Errorf("plan-cache step %q: %w", s.sql, err)
		}
	}
	st.Statements += 3
	if fresh > 0 {
		st.sawOwn() // planned afresh, the tenant sees rows: its own
	}
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
			planCacheServer(tg)}}
	f.Script = fmt.Sprintf("-- tenantfuzz reproduction: %s\nBEGIN;\n%s\nCREATE ROLE tf_plan_a NOLOGIN IN ROLE %s;\nCREATE ROLE tf_plan_b NOLOGIN IN ROLE %s;\nCREATE POLICY tf_plan_a_all ON %s FOR SELECT TO tf_plan_a USING (true);\n%s;\nRESET ROLE; SET LOCAL ROLE tf_plan_a;\nPREPARE tf_plan AS %s;\nEXECUTE tf_plan;\nRESET ROLE; SET LOCAL ROLE tf_plan_b;\nEXECUTE tf_plan; -- expected the same count as:\n%s;\nROLLBACK;\nDEALLOCATE tf_plan;\n",
		f.Summary(), joinLines(InsertSQL(w)), app, app, qname, tg.Strategy.Script(tg, w.TenantID(viewer)), sql, sql)
	return f, nil
}

func joinLines(s []string) string {
	out := ""
	for _, l := range s {
		out += l + "\n"
	}
	return out
}

// dropPlan returns a plan-cache connection to the pool without the
// prepared statement: PREPARE is session state that ROLLBACK keeps, and a
// check that failed midway would leave it for the next check on the same
// connection (42P05). A connection that cannot be cleaned is closed.
func dropPlan(ctx context.Context, conn *pgxpool.Conn) {
	ctx = context.WithoutCancel(ctx)
	var n int
	err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE name = 'tf_plan'").Scan(&n)
	if err == nil && n > 0 {
		_, err = conn.Exec(ctx, "DEALLOCATE tf_plan")
	}
	if err != nil {
		_ = conn.Hijack().Close(ctx)
		return
	}
	conn.Release()
}
