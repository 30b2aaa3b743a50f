package harness

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// ReachableRoles is the property: every role the application role can
// become with SET ROLE (its membership closure) is held to read isolation
// too. Application code that can switch to a role will, on some path; a
// superuser or BYPASSRLS role among them sees every tenant (docs/leaks.md entry 4).
// Each subject is one reachable role; the reference schema has none.
//
// Limits: roles reachable only through SET SESSION AUTHORIZATION or a
// login with other credentials are out of reach.
var ReachableRoles = &Property{
	membership: true,
	Name:       "reachable-roles",
	Title:      "every role the application role can become keeps tenants apart",
	Labels:     []string{"rls", "roles", "soc2:CC6.1"},
	Plain: func(tg *Target) []string {
		var out []string
		for _, r := range tg.Catalog.ReachableRoles {
			out = append(out, r.Name)
		}
		return out
	},
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		var rels []*catalog.Relation
		for _, r := range tg.Catalog.TenantTables() {
			if r.Priv.Select {
				rels = append(rels, r)
			}
		}
		return worldCheck(ctx, tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) probe {
			rel := rapid.SampledFrom(rels).Draw(rt, "relation")
			stmts := rapid.SliceOfN(generators.SelectGen(tg.Catalog, w, rel), 1, opts.Statements).Draw(rt, "statements")
			return probe{world: w, viewer: viewer, states: []contextState{ctxTenant}, stmts: stmts,
				property: "reachable-roles", relation: subj.Name, kind: KindCrossTenantRead, role: subj.Name}
		}, func(ctx context.Context, p probe, st *Stats) (*Finding, error) {
			f, err := tg.run(ctx, p, st)
			if f != nil { // f.Relation stays the relation that leaked; the role is the subject
				f.Evidence = append(f.Evidence, "statements ran after SET ROLE "+subj.Name)
			}
			return f, err
		})
	},
}
