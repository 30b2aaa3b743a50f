package catalog

import "sort"

// sortByForeignKeys orders tables so that every table comes after the tables
// its foreign keys reference (self references and cycles are tolerated: the
// remaining tables keep their name order). Ties keep name order, so the result
// is deterministic.
func sortByForeignKeys(rels []*Relation) []*Relation {
	in := map[string]*Relation{}
	for _, r := range rels {
		in[r.Schema+"."+r.Name] = r
	}
	done := map[string]bool{}
	var out []*Relation
	for len(out) < len(rels) {
		progress := false
		for _, r := range rels {
			key := r.Schema + "." + r.Name
			if done[key] {
				continue
			}
			ready := true
			for _, fk := range r.ForeignKeys {
				if fk.RefTable != key && in[fk.RefTable] != nil && !done[fk.RefTable] {
					ready = false
					break
				}
			}
			for _, p := range r.Parents { // children after parents
				if in[p] != nil && !done[p] {
					ready = false
				}
			}
			if ready {
				done[key] = true
				out = append(out, r)
				progress = true
			}
		}
		if !progress { // a cycle: append the rest in name order
			rest := []*Relation{}
			for _, r := range rels {
				if !done[r.Schema+"."+r.Name] {
					rest = append(rest, r)
				}
			}
			sort.Slice(rest, func(i, j int) bool { return rest[i].String() < rest[j].String() })
			for _, r := range rest {
				done[r.Schema+"."+r.Name] = true
			}
			out = append(out, rest...)
		}
	}
	return out
}
