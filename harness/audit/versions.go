package audit

import (
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// advisory is harness.Advisory: the version-gated facts live in one place.
type advisory = harness.Advisory

// release prints a server_version_num as "15.3" or "9.5.2".
func release(num int) string { return harness.Release(num) }

// versionCheck builds the run function of an advisory's check: one result
// when the server is affected. Limits: distributions that backport fixes
// without changing the minor version are reported as affected.
func versionCheck(a advisory) func(*env) []Result {
	return func(e *env) []Result {
		num := e.cat.ServerVersionNum
		if !a.Affects(num) {
			return nil
		}
		return []Result{{
			Object:  "server PostgreSQL " + release(num),
			Message: fmt.Sprintf("PostgreSQL %s is affected by %s: %s", release(num), a.Name, a.What),
			Fix:     a.Upgrade(num),
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
	cve202410976 = harness.CVE202410976
	cve202410978 = advisory{Name: "CVE-2024-10978", Since: "9.5", Fixed: []string{"17.1", "16.5", "15.9", "14.14", "13.17", "12.21"},
		What: "SET SESSION AUTHORIZATION and SET ROLE interacted so that a rolled-back transaction or a function's SET clause left the session as a different role"}
	roleSetting2024 = advisory{Name: "the November 2024 role-setting regression", Fixed: []string{"17.2", "16.6", "15.10", "14.15", "13.18", "12.22"},
		Affected: []string{"17.1", "16.5", "15.9", "14.14", "13.17", "12.21"},
		What:     "the fix for CVE-2024-10978 stopped applying ALTER ROLE/DATABASE ... SET role, so sessions meant to switch to a restricted role stay the login role"}
	cve20258713 = advisory{Name: "CVE-2025-8713", Since: "9.5", Fixed: []string{"17.6", "16.10", "15.14", "14.19", "13.22"},
		What: "optimizer statistics of partitions and inheritance children leaked rows hidden by row-level security to leaky operators"}
)
