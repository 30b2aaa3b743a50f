package harness

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// writableTenantTables lists tenant tables the application role may write.
func writableTenantTables(c *catalog.Catalog) []*catalog.Relation {
	var out []*catalog.Relation
	for _, r := range c.TenantTables() {
		if r.Priv.Insert || r.Priv.Update || r.Priv.Delete || r.Priv.Truncate {
			out = append(out, r)
		}
	}
	return out
}

// WriteIsolation is the property: for any small world and any write the
// application role is granted on a tenant table (INSERT with own, foreign
// or omitted tenant id, INSERT … SELECT, UPDATE with and without WHERE and
// moving rows, DELETE, ON CONFLICT, MERGE, TRUNCATE, COPY), run by tenant T,
// the rows of every other tenant are unchanged: per-tenant digests (count
// and md5 of the sorted rows of each tenant in each tenant table, taken by
// the admin role before and after) differ for T alone. No row may appear
// in, vanish from or move to another tenant or to no tenant; rows returned
// by RETURNING belong to T.
//
// Refusals (42501, integrity errors, COPY under RLS, policies that raise)
// are passes. Reach: a write counts as reaching other tenants when the same
// write run by the admin role (bypassing RLS, rolled back) changes another
// tenant's rows; a subject none of whose writes could is blind. Positive
// control: some write of the tenant changed its own rows (where the grants
// allow one). Limits:
// only tables with the tenant column (and the tenants table) are digested;
// side effects in tables without one (audit logs, counters) are not seen.
var WriteIsolation = &Property{
	Name:      "write-isolation",
	Title:     "a tenant's writes change only its own rows",
	Labels:    []string{"rls", "write", "soc2:CC6.1"},
	Relations: writableTenantTables,
	control:   true,
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		return worldCheck(ctx, tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) probe {
			stmts := rapid.SliceOfN(generators.WriteGen(tg.Catalog, w, rel, viewer), 1, opts.Statements).Draw(rt, "writes")
			return probe{world: w, viewer: viewer, stmts: stmts, property: "write-isolation", relation: rel.String(), kind: KindCrossTenantWrite}
		}, tg.writeProbe)
	},
}

// SideChannel is the property: a tenant cannot learn that another tenant
// holds a key value. For every unique key of a writable tenant table that
// is not scoped by the tenant column (see generators.GlobalKeys), an
// INSERT of the tenant's own row that collides with another tenant's key
// must have the same outcome (SQLSTATE, rows affected) as one that collides
// with nothing. A difference is a low-severity finding (LEAKS.md 25–27).
//
// Limits: surrogate uuid keys are skipped; timing is not measured.
var SideChannel = &Property{
	Name:    "side-channel",
	Title:   "a write's outcome does not reveal other tenants' keys",
	Labels:  []string{"write", "side-channel", "soc2:CC6.1"},
	control: true,
	Relations: func(c *catalog.Catalog) []*catalog.Relation {
		var out []*catalog.Relation
		for _, r := range writableTenantTables(c) {
			if r.Priv.Insert && len(generators.GlobalKeys(r)) > 0 {
				out = append(out, r)
			}
		}
		return out
	},
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		return worldCheck(ctx, tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) probe {
			pair := generators.CollisionPair(tg.Catalog, w, rel, viewer).Draw(rt, "collision pair")
			return probe{world: w, viewer: viewer, stmts: pair[:], property: "side-channel", relation: rel.String(), kind: KindSideChannel}
		}, tg.sideChannelProbe)
	},
}

// sideChannelProbe runs the colliding and the fresh write and compares
// their outcomes.
func (tg *Target) sideChannelProbe(ctx context.Context, p probe, st *Stats) (*Finding, error) {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := loadWorld(ctx, tx, p.world); err != nil {
		return nil, err
	}
	st.checked(p.world)
	if ok, err := tg.setContext(ctx, tx, ctxTenant, p.viewer, p.world); err != nil || !ok {
		return nil, err
	}
	var outs [2]writeOutcome
	for i, s := range p.stmts {
		outs[i] = tg.execWrite(ctx, tx, tg.tenantRole(p.world, p.viewer), s)
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_write"); err != nil {
			return nil, fmt.Errorf("roll back write: %w", err)
		}
		st.Statements++
		count(&st.ByKind, s.Kind)
	}
	if outs[1].code != "" && !isRejection(outs[1].code) {
		st.Discarded++ // the fresh insert itself is invalid: nothing to compare
		return nil, nil
	}
	if outs[1].code == "" {
		st.sawOwn() // the tenant's own fresh row went in: writes reach its data
	} else {
		st.reject(outs[1].err)
	}
	st.Reached++
	if outs[0].code == outs[1].code && outs[0].rows == outs[1].rows {
		return nil, nil
	}
	ev := []string{
		fmt.Sprintf("colliding with another tenant's key: %s", outs[0]),
		fmt.Sprintf("colliding with nothing:             %s", outs[1]),
	}
	f := tg.finding(p, KindSideChannel, ctxTenant, p.stmts[0], -1, ev, p.relation)
	f.Statement = p.stmts[0].SQL + ";  -- versus: " + p.stmts[1].SQL
	return f, nil
}
