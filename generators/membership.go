package generators

import (
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// User is one generated user under membership tenancy: the identity a
// viewer's context names. User Label U<k+1> is the viewer of tenant k (the
// user of its first membership row); Tenants are the tenants the world's
// membership rows make it a member of (its own first), with any role.
type User struct {
	ID      string
	Label   string
	Tenants []int
}

// noUser is the identity of a viewer whose tenant kept no membership row
// (the schema refused them): a user of nothing.
const noUser = "00000000-0000-4000-8000-000000000000"

// Membership reports whether the world is one of membership tenancy.
func (w *World) Membership() bool { return w.membership != nil }

// ContextID is what the viewer's context carries: the tenant id, or under
// membership tenancy the id of the viewer's user.
func (w *World) ContextID(viewer int) string {
	if w.membership == nil {
		return w.TenantID(viewer)
	}
	if u := w.User(viewer); u != nil {
		return u.ID
	}
	return noUser
}

// User returns the viewing user of tenant viewer, or nil (no membership
// tenancy, or no membership row of that tenant survived the insert).
func (w *World) User(viewer int) *User {
	if w.membership == nil || viewer < 0 || viewer >= len(w.viewers) || w.viewers[viewer] < 0 {
		return nil
	}
	return &w.Users[w.viewers[viewer]]
}

// Member reports whether rows of tenant t are the viewer's own: t is the
// viewer's tenant or, under membership tenancy, a tenant the viewer's user
// belongs to. No viewer (-1) owns nothing.
func (w *World) Member(viewer, t int) bool {
	if viewer < 0 {
		return false
	}
	if t == viewer {
		return true
	}
	if u := w.User(viewer); u != nil {
		for _, x := range u.Tenants {
			if x == t {
				return true
			}
		}
	}
	return false
}

// ViewerLabel names the viewer as findings print it: T1, or under
// membership tenancy "user U1 of T1" (with its other tenants: "user U1 of
// T1 (also member of T3)").
func (w *World) ViewerLabel(viewer int) string {
	label := w.Tenants[viewer].Label
	u := w.User(viewer)
	if w.membership == nil {
		return label
	}
	if u == nil {
		return "no user of " + label
	}
	out := "user " + u.Label + " of " + label
	var also []string
	for _, t := range u.Tenants {
		if t != viewer {
			also = append(also, w.Tenants[t].Label)
		}
	}
	if len(also) > 0 {
		out += " (also member of " + strings.Join(also, ", ") + ")"
	}
	return out
}

// joinTenants gives some viewing users a membership in a second tenant:
// a row of the membership table of tenant j whose user is the viewer of
// tenant k (users in several tenants, with whatever role the generator
// draws). Rows come last, after every table they reference.
func (b *builder) joinTenants(ti int, m *catalog.Membership) {
	b.w.resolveUsers()
	n := len(b.w.Tenants)
	for k := 0; k < n; k++ {
		u := b.w.User(k)
		if u == nil || rapid.IntRange(0, 2).Draw(b.t, "U"+strconv.Itoa(k+1)+" joins another tenant") != 0 {
			continue
		}
		j := (k + 1 + rapid.IntRange(0, max(n-2, 0)).Draw(b.t, "U"+strconv.Itoa(k+1)+" joins")) % n
		if j == k {
			continue
		}
		row, ok := b.makeRow(ti, m.Table, j)
		if !ok {
			continue
		}
		row.Values[m.UserColumn] = catalog.QuoteLiteral(u.ID)
		b.w.add(row)
	}
	b.w.resolveUsers()
}

// resolveUsers derives the users from the membership rows the world holds:
// the viewer of tenant k is the user of k's first membership row.
func (w *World) resolveUsers() {
	m := w.membership
	if m == nil {
		return
	}
	w.Users = w.Users[:0]
	w.viewers = make([]int, len(w.Tenants))
	for i := range w.viewers {
		w.viewers[i] = -1
	}
	index := map[string]int{}
	for _, r := range w.Rows {
		if r.Table != m.Table || r.Global {
			continue
		}
		id := strings.Trim(r.Values[m.UserColumn], "'")
		if id == "" || id == "NULL" {
			continue
		}
		ui, ok := index[id]
		if !ok && w.viewers[r.Tenant] < 0 {
			ui, ok = len(w.Users), true
			index[id] = ui
			w.Users = append(w.Users, User{ID: id, Label: "U" + strconv.Itoa(r.Tenant+1)})
			w.viewers[r.Tenant] = ui
		}
		if ok {
			w.Users[ui].Tenants = append(w.Users[ui].Tenants, r.Tenant)
		}
	}
}

// gotrueUser fills an auth.users row as GoTrue writes it on sign-up
// (email, raw_app_meta_data with the provider, raw_user_meta_data), so
// the schema's own triggers on auth.users (a personal account per user)
// see what they see in production.
func gotrueUser(rel *catalog.Relation, serial int, vals map[string]string) {
	if rel.Schema != "auth" || rel.Name != "users" {
		return
	}
	set := func(col, v string) {
		if rel.Column(col) != nil {
			vals[col] = v
		}
	}
	set("email", catalog.QuoteLiteral("u"+strconv.Itoa(serial)+"@example.test"))
	set("raw_app_meta_data", catalog.QuoteLiteral(`{"provider": "email", "providers": ["email"]}`))
	set("raw_user_meta_data", catalog.QuoteLiteral(`{}`))
}
