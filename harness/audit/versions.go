package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// advisory is a PostgreSQL server bug that breaks row-level security or
// role isolation, with the minor releases that fix it (from the release
// notes). A server is affected when its major version lists a fixed minor
// above its own, or when its major is older than every listed one (a
// branch that was out of support when the fix came) but not older than
// Since. Affected, when set, lists the only versions affected instead (a
// regression of one release).
type advisory struct {
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

// release prints a server_version_num as "15.3" or "9.5.2".
func release(num int) string {
	major, minor := majorMinor(num)
	if major >= 100 {
		return fmt.Sprintf("%d.%d.%d", major/100, major%100, minor)
	}
	return fmt.Sprintf("%d.%d", major, minor)
}

// affects reports whether the advisory applies to server_version_num num.
func (a advisory) affects(num int) bool {
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

// upgrade names the release to upgrade to from num.
func (a advisory) upgrade(num int) string {
	major, _ := majorMinor(num)
	for _, v := range a.Fixed {
		if ma, _ := parseRelease(v); ma == major {
			return fmt.Sprintf("upgrade to %s or later (fixed in %s)", v, strings.Join(a.Fixed, ", "))
		}
	}
	return fmt.Sprintf("upgrade to a supported major version: this branch never received the fix (fixed in %s)", strings.Join(a.Fixed, ", "))
}

// versionCheck builds the run function of an advisory's check: one result
// when the server is affected. Limits: distributions that backport fixes
// without changing the minor version are reported as affected.
func versionCheck(a advisory) func(*env) []Result {
	return func(e *env) []Result {
		num := e.cat.ServerVersionNum
		if !a.affects(num) {
			return nil
		}
		return []Result{{
			Object:  "server PostgreSQL " + release(num),
			Message: fmt.Sprintf("PostgreSQL %s is affected by %s: %s", release(num), a.Name, a.What),
			Fix:     a.upgrade(num),
		}}
	}
}

// The advisories, by id (see versionCheck). Fixed releases are from the
// PostgreSQL release notes of each branch.
var (
	cve20162193 = advisory{Name: "CVE-2016-2193", Since: "9.5", Fixed: []string{"9.5.2"},
		What: "cached plans kept the row-security decision of the role they were planned for, so a session switching roles ran another role's policies"}
	cve201715099 = advisory{Name: "CVE-2017-15099", Since: "9.5", Fixed: []string{"10.1", "9.6.6", "9.5.10"},
		What: "INSERT ... ON CONFLICT DO UPDATE disclosed rows the caller could not read, past row-level security"}
	cve201910130 = advisory{Name: "CVE-2019-10130", Since: "9.5", Fixed: []string{"11.3", "10.8", "9.6.13", "9.5.17"},
		What: "selectivity estimators applied leaky operators to statistics of rows hidden by row-level security"}
	cve20232455 = advisory{Name: "CVE-2023-2455", Since: "9.5", Fixed: []string{"15.3", "14.8", "13.11", "12.15", "11.20"},
		What: "an inlined set-returning SQL function kept the policies of the role its cached plan was made for after a role change"}
	cve202339418 = advisory{Name: "CVE-2023-39418", Since: "15", Fixed: []string{"15.4"},
		What: "MERGE enforced INSERT policies for its UPDATE actions and ignored the UPDATE and SELECT policies"}
	cve20244317 = advisory{Name: "CVE-2024-4317", Since: "14", Fixed: []string{"16.3", "15.7", "14.12"},
		What: "pg_stats_ext and pg_stats_ext_exprs showed statistics (most common values) of data the caller could not read (existing clusters also need the fix-CVE-2024-4317.sql script)"}
	cve202410976 = advisory{Name: "CVE-2024-10976", Since: "9.5", Fixed: []string{"17.1", "16.5", "15.9", "14.14", "13.17", "12.21"},
		What: "plans with row-level security below the top level (subqueries, CTEs, security_invoker views) were reused under another role"}
	cve202410978 = advisory{Name: "CVE-2024-10978", Since: "9.5", Fixed: []string{"17.1", "16.5", "15.9", "14.14", "13.17", "12.21"},
		What: "SET SESSION AUTHORIZATION and SET ROLE interacted so that a rolled-back transaction or a function's SET clause left the session as a different role"}
	roleSetting2024 = advisory{Name: "the November 2024 role-setting regression", Fixed: []string{"17.2", "16.6", "15.10", "14.15", "13.18", "12.22"},
		Affected: []string{"17.1", "16.5", "15.9", "14.14", "13.17", "12.21"},
		What:     "the fix for CVE-2024-10978 stopped applying ALTER ROLE/DATABASE ... SET role, so sessions meant to switch to a restricted role stay the login role"}
	cve20258713 = advisory{Name: "CVE-2025-8713", Since: "9.5", Fixed: []string{"17.6", "16.10", "15.14", "14.19", "13.22"},
		What: "optimizer statistics of partitions and inheritance children leaked rows hidden by row-level security to leaky operators"}
)
