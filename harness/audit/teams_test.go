package audit_test

import (
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// teamTarget opens a team-accounts schema of testdata/teams with
// --supabase, tenant column account_id, app role authenticated.
func teamTarget(t *testing.T, file string) *harness.Target {
	t.Helper()
	files, err := harness.LoadSchema("testdata/teams/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return sharedTarget(t, harness.Config{Schema: files, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"})
}

func TestTeamAccountsDump(t *testing.T) {
	for _, f := range []string{"team_accounts.sql"} {
		rep := audited(t, teamTarget(t, f))
		for _, r := range rep.Results {
			t.Logf("%s\n    fix: %s", r.String(), r.Fix)
		}
	}
}
