package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestShimObjectsNotAudited: with --supabase the audit judges the schema
// under test, never the shim's own auth and extensions objects (they stand
// for Supabase's). Control: the same catalog audited without skipping
// them does flag one (auth.jwt() has no fixed search_path, as on
// Supabase), so the quiet run is the skip's doing.
func TestShimObjectsNotAudited(t *testing.T) {
	t.Parallel()
	files, err := harness.LoadSchema(testenv.Fixture("examples/supabase-extensions"))
	if err != nil {
		t.Fatal(err)
	}
	tg := sharedTarget(t, harness.Config{Schema: files, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "team_id"})
	shimObject := func(r audit.Result) bool {
		for _, s := range harness.ShimSchemas {
			if strings.Contains(r.Object, " "+s+".") || r.Object == "schema "+s {
				return true
			}
		}
		return false
	}
	rep := audited(t, tg)
	for _, r := range rep.Results {
		if shimObject(r) {
			t.Errorf("the shim's object is audited: %s", r.String())
		}
	}
	all, err := audit.Run(context.Background(), tg.Pool, tg.Catalog, audit.Options{Files: tg.Config.Schema, ContextSetting: "request.jwt.claims", Roles: tg.Roles})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range all.Results {
		if shimObject(r) {
			n++
		}
	}
	if n == 0 {
		t.Errorf("control: without skipping, no result names a shim object; the test proves nothing:\n%s", results(all))
	}
}
