package harness

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// ReadIsolation is the property: for any small world of 2–6 tenants and any
// generated SELECT over a relation the application role may read, run as
// the application role with tenant T's context, no returned row belongs to
// another tenant (ownership oracle).
//
// Rows are attributed by the tenant ids, generated keys and canary markers
// they carry; rows with none of these are counted as unattributed, never
// passed silently. Limits: aggregates and expressions that hide every
// identifier (count(*), sums) cannot be attributed here; the differential
// oracle covers them.
var ReadIsolation = &Property{
	membership: true,
	Name:       "read-isolation",
	Title:      "a tenant's SELECTs return only its own rows",
	Labels:     []string{"rls", "read", "soc2:CC6.1"},
	Relations:  func(c *catalog.Catalog) []*catalog.Relation { return c.Readable() },
	control:    true,
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		return worldCheck(ctx, tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) probe {
			stmts := rapid.SliceOfN(generators.SelectGen(tg.Catalog, w, rel), 1, opts.Statements).Draw(rt, "statements")
			return probe{world: w, viewer: viewer, states: []contextState{ctxTenant}, stmts: stmts,
				property: "read-isolation", relation: rel.String(), kind: KindCrossTenantRead}
		}, tg.run)
	},
}

// FailClosed is the property: with no tenant context (a session that never
// set it) and with an empty one (what a transaction-local setting leaves
// behind on a pooled connection), every generated SELECT returns no tenant
// rows, or fails. A permissive fallback for a missing context is a leak to
// whoever forgets to set it.
//
// Positive control: the same statements, run last with the viewer's own
// context, must show the viewer its own rows in some check (checks after
// the first that did skip it); a subject where
// they never do is blind (the policies may read a setting the context
// strategy does not set, and then "nothing visible" proves nothing).
//
// The unset state is only observable on a connection where the context
// was never set (once set, even transaction-locally and rolled back, a
// setting reads the empty string for the rest of the session). It runs
// first, in its own transaction with its own copy of the world, on a
// connection that has only ever run unset states and that is verified
// after every check: each setting the strategy sets or the policies read
// (the context diagnosis) must still read NULL there
// (current_setting(name, true) IS NULL), or the connection is closed
// (unsetconns.go). The empty and tenant states run on the pool, in a
// second transaction loading the same world.
//
// Limits: a setting whose name is built at run time is not verified (the
// context diagnosis says it is undecided); contexts carried over from
// earlier sessions are the pool property's business.
var FailClosed = &Property{
	membership: true,
	Name:       "fail-closed",
	Title:      "without a tenant context no tenant rows are visible",
	Labels:     []string{"rls", "context", "soc2:CC6.1"},
	Relations:  func(c *catalog.Catalog) []*catalog.Relation { return c.Readable() },
	control:    true,
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		return worldCheck(ctx, tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) probe {
			stmts := rapid.SliceOfN(generators.SelectGen(tg.Catalog, w, rel), 1, opts.Statements).Draw(rt, "statements")
			states := []contextState{ctxUnset, ctxEmpty}
			if st.NeedsControl() { // one check that saw its own rows is enough
				states = append(states, ctxTenant)
			}
			return probe{world: w, viewer: viewer, states: states, control: true, stmts: stmts,
				property: "fail-closed", relation: rel.String(), kind: KindFailOpenRead}
		}, tg.run)
	},
}

// Properties is the registry of properties, in the order they run.
var Properties = []*Property{ReadIsolation, FailClosed, WriteIsolation, SideChannel, CrossReference, PoolIsolation, CrossRequest, HostileIDs, PlanCache, ReachableRoles, RoleTricks, LargeWorld}

// PropertyByName returns the named property, or nil.
func PropertyByName(name string) *Property {
	for _, p := range Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}
