package harness

import (
	"fmt"
	"strconv"
	"strings"
)

// CVE202410976 is the server bug the plan-cache property probes for, and
// the one table of its fixed releases: the static audit (TFA046) and the
// plan-cache finding both read it. Fixed releases are from the PostgreSQL
// release notes of 2024-11-14 (17.1, 16.5, 15.9, 14.14, 13.17, 12.21:
// "Ensure cached plans are marked as dependent on the calling role when
// RLS applies to a non-top-level table reference"); the out-of-cycle
// releases a week later (17.2 ...) fixed a regression of CVE-2024-10978's
// fix, not this bug.
var CVE202410976 = Advisory{Name: "CVE-2024-10976", Since: "9.5", Fixed: []string{"17.1", "16.5", "15.9", "14.14", "13.17", "12.21"},
	What: "plans with row-level security below the top level (subqueries, CTEs, security_invoker views) were reused under another role"}

// Advisory is a PostgreSQL server bug that breaks row-level security or
// role isolation, with the minor releases that fix it (from the release
// notes). A server is affected when its major version lists a fixed minor
// above its own, or when its major is older than every listed one (a
// branch that was out of support when the fix came) but not older than
// Since. Affected, when set, lists the only versions affected instead (a
// regression of one release).
type Advisory struct {
	Name     string   // CVE id, or a short name for a regression without one
	What     string   // what the bug does
	Fixed    []string // first fixed release per major, e.g. "15.3"
	Since    string   // first affected major, e.g. "9.5" (row-level security) or "15" (MERGE)
	Affected []string // regression: exactly these releases
}

// majorMinor splits server_version_num: 150003 -> (15, 3), 90502 -> (9.5 as 905, 2).
func majorMinor(num int) (major, minor int) {
	if num >= 100000 {
		return num / 10000, num % 100
	}
	return num / 100, num % 100
}

// order makes majors comparable: 9.5 (905) < 10 (1000) < 15 (1500).
func order(major int) int {
	if major >= 100 {
		return major
	}
	return major * 100
}

// parseRelease reads "15.3" or "9.5.2" into (major, minor) as majorMinor does.
func parseRelease(s string) (major, minor int) {
	parts := strings.Split(s, ".")
	n := make([]int, len(parts))
	for i, p := range parts {
		n[i], _ = strconv.Atoi(p)
	}
	switch len(n) {
	case 3:
		return n[0]*100 + n[1], n[2]
	case 2:
		if n[0] < 10 {
			return n[0]*100 + n[1], 0
		}
		return n[0], n[1]
	}
	return n[0], 0
}

// Release prints a server_version_num as "15.3" or "9.5.2".
func Release(num int) string {
	major, minor := majorMinor(num)
	if major >= 100 {
		return fmt.Sprintf("%d.%d.%d", major/100, major%100, minor)
	}
	return fmt.Sprintf("%d.%d", major, minor)
}

// Affects reports whether the advisory applies to server_version_num num.
func (a Advisory) Affects(num int) bool {
	major, minor := majorMinor(num)
	if len(a.Affected) > 0 {
		for _, v := range a.Affected {
			if ma, mi := parseRelease(v); ma == major && mi == minor {
				return true
			}
		}
		return false
	}
	oldest := 0
	for _, v := range a.Fixed {
		ma, mi := parseRelease(v)
		if ma == major {
			return minor < mi
		}
		if oldest == 0 || order(ma) < order(oldest) {
			oldest = ma
		}
	}
	since, _ := parseRelease(a.Since)
	return order(major) < order(oldest) && order(major) >= order(since)
}

// Upgrade names the release to upgrade to from num.
func (a Advisory) Upgrade(num int) string {
	major, _ := majorMinor(num)
	for _, v := range a.Fixed {
		if ma, _ := parseRelease(v); ma == major {
			return fmt.Sprintf("upgrade to %s or later (fixed in %s)", v, strings.Join(a.Fixed, ", "))
		}
	}
	return fmt.Sprintf("upgrade to a supported major version: this branch never received the fix (fixed in %s)", strings.Join(a.Fixed, ", "))
}
