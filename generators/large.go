package generators

import (
	"strconv"
)

// LargeTenants returns n tenants with the ids and labels small worlds give
// their first n tenants.
func LargeTenants(n int) []Tenant {
	out := make([]Tenant, n)
	for i := range out {
		out[i] = Tenant{Index: i, ID: tenantID(i), Label: "T" + strconv.Itoa(i+1)}
	}
	return out
}

// LargeWorld returns the view one check needs of a world that lives in the
// database only (a bulk-loaded world of many tenants): all its tenants, the
// rows of a few of them, and owner, which traces any uuid of the world to
// its tenant by the loader's layout. The rows give the statements their
// literals (own and foreign keys, canaries) and a reproduction script the
// rows it inserts; the harness never inserts the view itself. Owners
// attributes every row of the world, listed or not: by the listed rows'
// uuids, else by owner, and by canaries ([tf:N], N up to len(tenants)).
// Literals naming a tenant (ids, canaries) are drawn among the listed
// tenants, so that predicates on them can match the viewer's rows.
func LargeWorld(tenants []Tenant, rows []Row, owner func(uuid string) (int, bool)) *World {
	w := &World{Tenants: tenants, owner: map[string]int{}, values: map[string][]string{}, byType: map[string][]string{}, attribute: owner}
	seen := map[int]bool{}
	for _, r := range rows {
		w.add(r)
		if !seen[r.Tenant] {
			seen[r.Tenant] = true
			w.shown = append(w.shown, r.Tenant)
		}
	}
	return w
}
