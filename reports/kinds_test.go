package reports

import (
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// TestKindsRegistryComplete: every kind a property can report has a
// title, help and a docs/leaks.md placement (its SARIF rule), routing kinds
// with the router's severities, and the registry lists each kind once.
func TestKindsRegistryComplete(t *testing.T) {
	kinds := []harness.Kind{harness.KindCrossTenantRead, harness.KindFailOpenRead, harness.KindDifferentialRead, harness.KindOverFiltering,
		harness.KindCrossTenantWrite, harness.KindCrossTenantReference, harness.KindSideChannel, harness.KindContextLeak, harness.KindContextInjection, harness.KindRoleTrick,
		harness.KindPlanCache, vector.KindVectorRead, vector.KindVectorWrite, vector.KindSQLVectorMismatch}
	for k := range router.Kinds {
		kinds = append(kinds, k)
	}
	for k := range api.Kinds {
		kinds = append(kinds, k)
	}
	for _, k := range kinds {
		info := kindInfo(k)
		if info.Help == "" || len(info.Leaks) == 0 || FamilyOf(info.Leaks[0]) == "" {
			t.Errorf("%s: no help or docs/leaks.md placement in the registry", k)
		}
		if sev, ok := router.Kinds[k]; ok && info.severity() != sev {
			t.Errorf("%s: severity %s, the router says %s", k, info.severity(), sev)
		}
		if sev, ok := api.Kinds[k]; ok && info.severity() != sev {
			t.Errorf("%s: severity %s, the API layer says %s", k, info.severity(), sev)
		}
	}
	seen := map[harness.Kind]bool{}
	for _, k := range Kinds {
		if seen[k.Kind] {
			t.Errorf("%s listed twice", k.Kind)
		}
		seen[k.Kind] = true
	}
}
