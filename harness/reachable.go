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
// superuser or BYPASSRLS role among them sees every tenant (LEAKS.md 4).
// Each subject is one reachable role; the reference schema has none.
//
// Limits: roles reachable only through SET SESSION AUTHORIZATION or a
// login with other credentials are out of reach.
var ReachableRoles = &Property{
	Name:   "reachable-roles",
	Title:  "every role the application role can become keeps tenants apart",
	Labels: []string{"rls", "roles", "soc2:CC6.1"},
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
		return func(rt *rapid.T) {
			if st.Expired(opts.Deadline) {
				return
			}
			w := generators.WorldGen(tg.Catalog, opts.World).Draw(rt, "world")
			viewer := rapid.IntRange(0, len(w.Tenants)-1).Draw(rt, "viewer")
			rel := rapid.SampledFrom(rels).Draw(rt, "relation")
			stmts := rapid.SliceOfN(generators.SelectGen(tg.Catalog, w, rel), 1, opts.Statements).Draw(rt, "statements")
			var stats Stats
			f, err := tg.run(ctx, probe{world: w, viewer: viewer, states: []contextState{ctxTenant}, stmts: stmts,
				property: "reachable-roles", relation: subj.Name, kind: KindCrossTenantRead, role: subj.Name}, &stats)
			st.Count(stats)
			if err != nil || f != nil {
				if f != nil {
					f.Relation = subj.Name
					f.Evidence = append(f.Evidence, "statements ran after SET ROLE "+subj.Name)
				}
				st.Fail(rt, f, err)
			}
		}
	},
}
