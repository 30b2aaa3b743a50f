package harness_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// teamAccounts opens fixtures/realworld/team-accounts as a user would run
// it (--supabase --tenant-column account_id).
func teamAccounts(t *testing.T) *harness.Target {
	t.Helper()
	schema, err := harness.LoadSchema(testenv.Fixture("realworld/team-accounts"))
	if err != nil {
		t.Fatal(err)
	}
	return testenv.TargetWith(t, harness.Config{Schema: schema, Supabase: true, TenantColumn: "account_id", AppRole: "authenticated", Context: "supabase"})
}

// TestMembershipDetection: the team-accounts schema is detected as
// membership tenancy through account_user, saying why (its policies call
// the SECURITY DEFINER has_role_on_account(), which reads it); the flag
// names it instead, "none" turns the detection off, and a malformed or
// wrong flag fails with the reason. Claim-based schemas (the reference,
// the Supabase example whose memberships table no policy reads) are not
// membership tenancy.
func TestMembershipDetection(t *testing.T) {
	ctx := context.Background()
	tg := teamAccounts(t)
	m := tg.Catalog.Membership
	if m == nil {
		t.Fatalf("team-accounts: no membership detected; model %q", tg.Catalog.TenancyModel())
	}
	if m.String() != "account_user(user_id, account_id)" || m.By != "detected" || m.Users != "auth.users" {
		t.Errorf("detected %s by %s (users %s), want account_user(user_id, account_id) detected, users auth.users", m, m.By, m.Users)
	}
	if !strings.Contains(m.Why, "has_role_on_account() (SECURITY DEFINER), which read account_user") {
		t.Errorf("why = %q", m.Why)
	}
	load := func(spec string) (*catalog.Catalog, error) {
		return catalog.Load(ctx, tg.Pool, catalog.Options{AppRole: "authenticated", TenantColumn: "account_id", Membership: spec})
	}
	if c, err := load("none"); err != nil || c.Membership != nil {
		t.Errorf("--membership none: %v, %v", c.Membership, err)
	}
	if c, err := load("account_user(user_id, account_id)"); err != nil || c.Membership == nil || c.Membership.By != "--membership" {
		t.Errorf("--membership account_user(user_id, account_id): %+v, %v", c.Membership, err)
	}
	for spec, want := range map[string]string{
		"account_user":                      "write it as TABLE(user_column, tenant_column)",
		"members(user_id, account_id)":      "no table members",
		"account_user(user_id, team_id)":    `account_user has no column "team_id"`,
		"auth.users(id, raw_app_meta_data)": "belongs to no tenant",
	} {
		if _, err := load(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--membership %s: %v, want %q", spec, err, want)
		}
	}

	for name, cfg := range map[string]harness.Config{
		"reference":         {},
		"examples/supabase": {Schema: mustSchema(t, "examples/supabase"), Supabase: true, TenantColumn: "account_id", AppRole: "authenticated", Context: "supabase"},
	} {
		if c := testenv.TargetWith(t, cfg).Catalog; c.Membership != nil {
			t.Errorf("%s: membership %s detected (%s), want the claim model", name, c.Membership, c.Membership.Why)
		}
	}
}

func mustSchema(t *testing.T, rel string) []harness.SQLFile {
	t.Helper()
	s, err := harness.LoadSchema(testenv.Fixture(rel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMembershipWorlds: under membership tenancy every tenant has a
// viewing user (U<k> of T<k>) whose context carries the user's id, some
// users belong to a second tenant (their rows are their own there too),
// and auth.users rows are written as GoTrue writes them.
func TestMembershipWorlds(t *testing.T) {
	tg := teamAccounts(t)
	gen := generators.WorldGen(tg.Catalog, generators.WorldOptions{})
	several := false
	for seed := 0; seed < 40; seed++ {
		w := harness.Example(gen, seed)
		if !w.Membership() {
			t.Fatal("world is not one of membership tenancy")
		}
		for k := range w.Tenants {
			u := w.User(k)
			if u == nil || u.Label != "U"+w.Tenants[k].Label[1:] || w.ContextID(k) != u.ID || u.Tenants[0] != k {
				t.Fatalf("seed %d: tenant %s has user %+v", seed, w.Tenants[k].Label, u)
			}
			if !w.Member(k, k) || w.Member(-1, k) {
				t.Fatalf("seed %d: membership of %s wrong", seed, w.Tenants[k].Label)
			}
			for j := range w.Tenants {
				if j != k && w.Member(k, j) {
					several = true
					if !strings.Contains(w.ViewerLabel(k), "also member of "+w.Tenants[j].Label) {
						t.Errorf("label %q does not name %s", w.ViewerLabel(k), w.Tenants[j].Label)
					}
				}
			}
		}
		for _, r := range w.RowsOf(tg.Catalog.Relation("auth.users")) {
			if !strings.Contains(r.Values["raw_app_meta_data"], `"provider": "email"`) || !strings.HasSuffix(r.Values["email"], "@example.test'") {
				t.Fatalf("auth.users row not as GoTrue writes it: %v", r.Values)
			}
		}
	}
	if !several {
		t.Error("no user in several tenants in 40 worlds")
	}
}
