package harness_test

import (
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// TestCVE202410976Releases: the one table of CVE-2024-10976's fixed
// releases (PostgreSQL release notes of 2024-11-14) gates the CVE for the
// audit and the plan-cache finding alike: the release before each fix is
// affected, the fix and later are not, branches out of support by then
// (11 and older, back to 9.5) are affected.
func TestCVE202410976Releases(t *testing.T) {
	for num, want := range map[int]bool{
		170000: true, 170001: false, 170002: false,
		160004: true, 160005: false,
		150008: true, 150009: false, 150018: false,
		140013: true, 140014: false,
		130016: true, 130017: false,
		120020: true, 120021: false,
		110022: true, 90506: true, 90424: false, // 9.4 had no row-level security
	} {
		if got := harness.CVE202410976.Affects(num); got != want {
			t.Errorf("%s: affected %v, want %v", harness.Release(num), got, want)
		}
	}
}
