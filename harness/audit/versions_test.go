package audit

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// advisoryCases run each version check against fake server_version_num
// values: the last affected and first fixed minor of a listed branch, a
// branch older than every fix (never fixed), a newer major (released with
// the fix), and the server the tests run on (15.18, affected by none).
var advisoryCases = []struct {
	check string
	num   int
	want  bool
}{
	{"TFA040", 90501, true}, {"TFA040", 90502, false}, {"TFA040", 90600, false}, {"TFA040", 150018, false},
	{"TFA041", 90509, true}, {"TFA041", 90510, false}, {"TFA041", 90605, true}, {"TFA041", 100000, true}, {"TFA041", 100001, false}, {"TFA041", 110000, false},
	{"TFA042", 90516, true}, {"TFA042", 90613, false}, {"TFA042", 110002, true}, {"TFA042", 110003, false}, {"TFA042", 120000, false},
	{"TFA043", 150002, true}, {"TFA043", 150003, false}, {"TFA043", 140007, true}, {"TFA043", 140008, false}, {"TFA043", 110019, true},
	{"TFA043", 100023, true}, {"TFA043", 90600, true}, {"TFA043", 90400, false}, {"TFA043", 160000, false}, {"TFA043", 150018, false},
	{"TFA044", 150000, true}, {"TFA044", 150003, true}, {"TFA044", 150004, false}, {"TFA044", 140009, false}, {"TFA044", 160000, false},
	{"TFA045", 160002, true}, {"TFA045", 160003, false}, {"TFA045", 150006, true}, {"TFA045", 150007, false}, {"TFA045", 140011, true},
	{"TFA045", 130020, false}, {"TFA045", 170000, false},
	{"TFA046", 170000, true}, {"TFA046", 170001, false}, {"TFA046", 160004, true}, {"TFA046", 160005, false}, {"TFA046", 150008, true},
	{"TFA046", 150009, false}, {"TFA046", 120020, true}, {"TFA046", 110022, true}, {"TFA046", 180000, false}, {"TFA046", 150018, false},
	{"TFA047", 150008, true}, {"TFA047", 150009, false}, {"TFA047", 130016, true}, {"TFA047", 180000, false},
	{"TFA048", 150009, true}, {"TFA048", 150008, false}, {"TFA048", 150010, false}, {"TFA048", 170001, true}, {"TFA048", 120021, true},
	{"TFA048", 170002, false}, {"TFA048", 150018, false},
	{"TFA049", 150013, true}, {"TFA049", 150014, false}, {"TFA049", 170005, true}, {"TFA049", 170006, false}, {"TFA049", 120022, true},
	{"TFA049", 180000, false}, {"TFA049", 150018, false},
}

func TestAdvisories(t *testing.T) {
	for _, c := range advisoryCases {
		cat := &catalog.Catalog{AppRole: "app_user", TenantColumn: "tenant_id", ServerVersionNum: c.num}
		rep := run(cat, &facts{roles: map[string]roleFacts{}}, Options{ContextSetting: "app.tenant_id", Checks: []string{c.check}})
		if got := len(rep.Results) == 1; got != c.want {
			t.Errorf("%s on server_version_num %d (%s): affected = %v, want %v", c.check, c.num, release(c.num), got, c.want)
			continue
		}
		if c.want {
			r := rep.Results[0]
			if !strings.Contains(r.Fix, "upgrade to") || r.Object != "server PostgreSQL "+release(c.num) {
				t.Errorf("%s on %s: object %q, fix %q: want the server named and an upgrade target", c.check, release(c.num), r.Object, r.Fix)
			}
		}
	}
}

// TestAdvisoryUpgradeTarget: the fix names the fixed minor of the
// server's own branch, or a supported major for a branch never fixed.
func TestAdvisoryUpgradeTarget(t *testing.T) {
	for _, c := range []struct {
		a    advisory
		num  int
		want string
	}{
		{cve20232455, 150002, "upgrade to 15.3 or later"},
		{cve20232455, 100023, "upgrade to a supported major version"},
		{cve202410976, 160004, "upgrade to 16.5 or later"},
		{roleSetting2024, 150009, "upgrade to 15.10 or later"},
	} {
		if got := c.a.Upgrade(c.num); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s upgrade from %s = %q, want prefix %q", c.a.Name, release(c.num), got, c.want)
		}
	}
}

func TestRelease(t *testing.T) {
	for num, want := range map[int]string{150018: "15.18", 90502: "9.5.2", 100023: "10.23", 170002: "17.2"} {
		if got := release(num); got != want {
			t.Errorf("release(%d) = %q, want %q", num, got, want)
		}
	}
}
