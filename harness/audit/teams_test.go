package audit_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// teamTarget opens testdata/teams/team_accounts.sql (a Supabase
// team-accounts schema: accounts, account_user memberships with roles,
// SECURITY DEFINER membership helpers, triggers) with --supabase, tenant
// column account_id, app role authenticated, plus overlays.
func teamTarget(t *testing.T, overlays ...string) *harness.Target {
	t.Helper()
	files, err := harness.LoadSchema("testdata/teams/team_accounts.sql")
	if err != nil {
		t.Fatal(err)
	}
	return sharedTarget(t, harness.Config{Schema: files, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}, overlays...)
}

// TestTeamAccounts: the audit is right on a membership-tenancy schema.
// As written it gives no result at all (definer helpers that tie their
// reads to auth.uid() or check membership first, a trigger that adds a
// team's creator, "any signed-in user may create a team", tables owned by
// the platform's postgres); each defect of team_accounts_unsafe.sql is
// named, the untied statement quoted, and the fixes speak the schema's
// own tenancy (has_role_on_account, not app_metadata.tenant_id) and apply.
// A membership subquery whose bare account_id PostgreSQL resolves to the
// subquery's own table is seen as not depending on the row.
func TestTeamAccounts(t *testing.T) {
	t.Parallel()
	t.Run("safe", func(t *testing.T) {
		t.Parallel()
		for _, r := range audited(t, teamTarget(t)).Results {
			t.Errorf("false result on the safe team schema: %s", r.String())
		}
	})
	t.Run("unsafe", func(t *testing.T) {
		t.Parallel()
		tg := teamTarget(t, "testdata/teams/team_accounts_unsafe.sql")
		rep := audited(t, tg)
		want := []string{
			"TFA013 policy members use their notes on notes",
			"TFA013 policy owners see invitations on invitations",
			"TFA025 function get_account_by_slug(slug text)",
			"TFA025 function get_account_notes(account_id uuid)",
			"TFA025 function get_accounts_with_role_or_any(passed_in_role account_role)",
			"TFA036 trigger notes_log on notes",
		}
		var got []string
		for _, r := range rep.Results {
			got = append(got, r.Key())
			if strings.Contains(r.Fix, "app_metadata") || strings.Contains(r.FixSQL, "app_metadata") {
				t.Errorf("%s: the fix assumes app_metadata.tenant_id on a membership schema: %s", r.Key(), r.Fix)
			}
			switch r.Check {
			case "TFA025":
				if !strings.Contains(r.Message, "nothing in it ties the rows to the caller") || !strings.Contains(r.Message, "`SELECT") {
					t.Errorf("%s does not quote the untied statement: %s", r.Key(), r.Message)
				}
				if !strings.Contains(r.Fix, "has_role_on_account(") {
					t.Errorf("%s: fix does not use the schema's membership helper: %s", r.Key(), r.Fix)
				}
			case "TFA013":
				if r.Relation != "notes" {
					continue
				}
				if r.FixSQL != `ALTER POLICY "members use their notes" ON notes USING (has_role_on_account(account_id))` {
					t.Errorf("%s: fix %q, want the schema's membership helper", r.Key(), r.FixSQL)
				}
				if _, err := tg.Pool.Exec(context.Background(), r.FixSQL); err != nil {
					t.Errorf("%s: fix does not apply: %v", r.Key(), err)
				}
			}
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("results:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), results(rep))
		}
	})
}
