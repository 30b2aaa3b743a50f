package audit_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// TestTeamAccountsFixture: the audit of fixtures/realworld/team-accounts
// (membership tenancy detected, --supabase, tenant column account_id) gives
// exactly the expected results per overlay. As written, none: the team
// creation RPC writes only rows it ties to the caller (TFA025), the
// membership table's own user_id = auth.uid() policy is the model
// (TFA050), and the OR-ed policies are each tied on their own (TFA011). A
// "join any team" RPC whose account comes from a parameter is still HIGH.
// With the membership helper that no longer reads its account parameter,
// every policy passing it the row's key is TFA013 (it does not depend on
// the row), and the OR-ed policies are TFA011 again (one is loose).
func TestTeamAccountsFixture(t *testing.T) {
	t.Parallel()
	const dir = "../../fixtures/realworld/team-accounts"
	for _, c := range []struct {
		name, overlay string
		want          []string
	}{
		{"as written", "", nil},
		{"any account", dir + "/defects/any-account.sql", []string{"TFA013 policy members manage their account's projects on projects"}},
		{"helper ignores account", dir + "/defects/helper-ignores-account.sql", []string{
			"TFA011 table account_user",
			"TFA011 table accounts",
			"TFA013 policy Accounts are viewable by members on accounts",
			"TFA013 policy Accounts can be renamed by owners on accounts",
			"TFA013 policy members manage their account's projects on projects",
			"TFA013 policy owners can remove members on account_user",
			"TFA013 policy owners invite on invitations",
			"TFA013 policy owners revoke invitations on invitations",
			"TFA013 policy owners see invitations on invitations",
			"TFA013 policy users can view their teammates on account_user",
		}},
		{"join any team", "testdata/teams/join_any_team.sql", []string{"TFA025 function join_account(p_account uuid)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			files, err := harness.LoadSchema(dir)
			if err != nil {
				t.Fatal(err)
			}
			var overlays []string
			if c.overlay != "" {
				overlays = append(overlays, c.overlay)
			}
			tg := sharedTarget(t, harness.Config{Schema: files, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}, overlays...)
			if tg.Catalog.Membership == nil {
				t.Fatalf("membership tenancy not detected")
			}
			rep := audited(t, tg)
			var got []string
			for _, r := range rep.Results {
				got = append(got, r.Key())
				if r.Check == "TFA025" && !strings.Contains(r.Message, "take account_id from p_account") {
					t.Errorf("%s does not quote the untied INSERT: %s", r.Key(), r.Message)
				}
				if c.name == "helper ignores account" && r.Check == "TFA013" && !strings.Contains(r.Message, "has_role_on_account() as its parameter account_id, which its body never reads") {
					t.Errorf("%s does not say which parameter the helper ignores: %s", r.Key(), r.Message)
				}
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("results:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"), results(rep))
			}
		})
	}
}
