package harness_test

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestRLSBypassedNamesTheChain: on fixtures/realworld/owner-member (api is
// a member of the owner saas_owner, RLS not forced) every leak the read,
// fail-closed, write and pool properties find is rls-bypassed with the
// role chain, never a tenant on both sides; hostile ids find nothing,
// since every context already shows every row (no injection); the role
// reached with SET ROLE is named as such.
func TestRLSBypassedNamesTheChain(t *testing.T) {
	files, err := harness.LoadSchema(testenv.Fixture("realworld/owner-member/migrations"))
	if err != nil {
		t.Fatal(err)
	}
	tg := testenv.TargetWith(t, harness.Config{Schema: files, AppRole: "api"})
	var n int
	for _, p := range []*harness.Property{harness.ReadIsolation, harness.FailClosed, harness.WriteIsolation, harness.PoolIsolation, harness.ReachableRoles, harness.HostileIDs} {
		for _, res := range runAll(t, tg, p, 20) {
			for _, f := range res.Findings {
				n++
				if p == harness.HostileIDs {
					t.Errorf("hostile-ids: %s", f.Summary())
					continue
				}
				want := "api is a member of saas_owner, which owns " + f.Relation + "; FORCE ROW LEVEL SECURITY is off"
				if p == harness.ReachableRoles {
					want = "api can SET ROLE to saas_owner, which owns " + f.Relation
				}
				if f.Kind != harness.KindRLSBypassed || f.Severity != harness.SeverityCritical || !strings.HasPrefix(f.Cause, want) {
					t.Errorf("%s %s: %s (cause %q), want rls-bypassed: %s", p.Name, res.Relation, f.Summary(), f.Cause, want)
				}
				if f.Tenant != "" && f.Tenant == f.OtherTenant {
					t.Errorf("%s %s names %s on both sides: %s", p.Name, res.Relation, f.TenantLabel, f.Summary())
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no finding on owner-member")
	}
}

// TestOwnerNoForceIsBypass: the owner-no-force mutant (app_user owns
// documents, FORCE off) is rls-bypassed on documents; with RLS off
// (rls_off.sql) there is nothing to bypass and the kind stays a read
// leak (TestRLSOffOnDocumentsIsCaught).
func TestOwnerNoForceIsBypass(t *testing.T) {
	tg := testenv.Target(t, "mutants/owner_no_force.sql")
	rel := tg.Catalog.Relation("documents")
	res := harness.ReadIsolation.Run(t.Context(), tg, rel, harness.RunOptions{Checks: 20, Seed: 3, ReplayBase: "tenantfuzz replay"})
	if len(res.Findings) != 1 {
		t.Fatalf("read-isolation on documents: %d findings, err %v", len(res.Findings), res.Err)
	}
	f := res.Findings[0]
	if f.Kind != harness.KindRLSBypassed || f.Cause != "app_user owns documents; FORCE ROW LEVEL SECURITY is off" || !strings.HasPrefix(f.Evidence[0], "seen as ") {
		t.Errorf("finding: %s\n%v", f, f.Evidence)
	}
}
