package generators

import (
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// GlobalKeys returns the unique keys of rel (primary or unique) that are
// not scoped by the tenant column and are not a single uuid column:
// natural keys shared by all tenants, whose collisions tell one tenant that
// another holds a value. Surrogate uuid keys are left out: they cannot be
// guessed, so their collisions reveal nothing (a documented limit).
func GlobalKeys(rel *catalog.Relation) [][]string {
	var out [][]string
	for _, k := range append([][]string{rel.PrimaryKey}, rel.Uniques...) {
		if len(k) == 0 {
			continue
		}
		scoped := false
		for _, c := range k {
			if c == rel.TenantColumn {
				scoped = true
			}
		}
		if scoped || (len(k) == 1 && rel.Column(k[0]) != nil && rel.Column(k[0]).BaseType == "uuid") {
			continue
		}
		out = append(out, k)
	}
	return out
}

// CollisionPair generates two INSERTs of a new row of the viewer into rel:
// one whose key columns copy another tenant's row (a collision the viewer
// cannot see), one with fresh values (no collision). Both use the same ON
// CONFLICT clause (none, or DO NOTHING).
func CollisionPair(cat *catalog.Catalog, w *World, rel *catalog.Relation, viewer int) *rapid.Generator[[2]Statement] {
	keys := GlobalKeys(rel)
	return rapid.Custom(func(t *rapid.T) [2]Statement {
		g := &writeGen{selectGen: selectGen{t: t, cat: cat, w: w}, rel: rel, viewer: viewer}
		key := keys[g.draw(len(keys), "key")]
		other := g.other()
		var victims []Row
		for _, r := range w.RowsOf(rel) {
			if r.Tenant == other {
				victims = append(victims, r)
			}
		}
		cols, vals := g.row(viewer, false, false)
		collide := append([]string(nil), vals...)
		if len(victims) > 0 {
			v := victims[g.draw(len(victims), "victim")]
			for _, k := range key {
				for i, c := range cols {
					if c == catalog.QuoteIdent(k) {
						collide[i] = v.Values[k]
					}
				}
			}
		}
		suffix := []string{"", " ON CONFLICT DO NOTHING"}[g.draw(2, "on conflict")]
		mk := func(vs []string, kind string, collides bool) Statement {
			st := Statement{Kind: kind, Write: true, Target: rel.String(), Tenant: viewer, Collides: collides, Relations: []string{rel.String()},
				Template: "INSERT INTO " + ref(rel) + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vs, ", ") + ")" + suffix}
			st.finish(cat)
			return st
		}
		return [2]Statement{mk(collide, "insert-collide", true), mk(vals, "insert-fresh", false)}
	})
}
