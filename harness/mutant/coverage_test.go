package mutant

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// siteProperties names, for every function of the harness that gives a
// finding its kind (found by scanSites), the properties whose runs reach
// it. A new site fails TestEveryFindingSiteHasAMutant until it is listed
// here; a listed site that no longer exists fails it too.
var siteProperties = map[string][]string{
	"bypass.go:explainBypass":          {"read-isolation", "fail-closed", "write-isolation", "reachable-roles"},
	"crossref.go:crossRefProbe":        {"cross-reference"},
	"crossreq.go:judgeCrossRequest":    {"cross-request"},
	"hostile.go:hostileProbe":          {"hostile-ids"},
	"plancache.go:planCacheProbe":      {"plan-cache"},
	"poolrequest.go:leakFinding":       {"pool-isolation"},
	"poolrequest.go:verify":            {"pool-isolation"},
	"probe.go:readStatement":           {"read-isolation", "fail-closed", "large-world", "reachable-roles"},
	"tricks.go:trickProbe":             {"role-tricks"},
	"write.go:writeFinding":            {"write-isolation"},
	"write.go:writeProbe":              {"write-isolation"},
	"writeprops.go:sideChannelProbe":   {"side-channel"},
	"router/migcheck.go:tableFindings": {"migration"},
	// The migration property also checks placement after migrating, but
	// CheckMigration (tableFindings) reports a misplaced row first: only
	// the request properties reach this site's finding.
	"router/placement.go:placement":    {"routing-isolation", "hostile-hosts"},
	"router/request.go:checkRouterSQL": {"routing-isolation", "hostile-hosts", "migration"},
	"router/request.go:checkSeen":      {"routing-isolation", "hostile-hosts", "migration"},
	"router/request.go:judgeRoute":     {"routing-isolation", "hostile-hosts", "migration"},
	"vector/read.go:checkOwnership":    {"vector-read-isolation"},
	"vector/sqlagree.go:agreeFor":      {"vector-sql-agreement"},
	"vector/write.go:writeStep":        {"vector-write-isolation"},
	// harness/api's oracle: Judge (a foreign value in a 2xx answer, a
	// hostile credential answered 2xx), changedOthers (the digest of
	// another tenant's rows changed), sideChannel (a foreign id answered
	// unlike an absent one), leftContext (a pooled connection still holds
	// a tenant's context). harness/apiclient runs the same oracle.
	"api/oracle.go:Judge":         {"api-isolation"},
	"api/oracle.go:changedOthers": {"api-isolation"},
	"api/oracle.go:leftContext":   {"api-isolation"},
	"api/oracle.go:sideChannel":   {"api-isolation"},
}

// passedOn lists the places whose kind the scan cannot resolve because
// they copy it from a finding built elsewhere (already a site).
var passedOn = map[string]string{
	"router/migration.go:migrationFinding: g.Kind": "the first finding of CheckMigration: router/migcheck.go:tableFindings",
}

// uncoveredKinds are the finding kinds no mutant of the kill matrix is
// expected to produce. Each is a gap, kept visible here with its reason;
// seeding a mutant for one makes the test fail until the entry goes.
var uncoveredKinds = map[string]string{
	// CVE-2024-10976 is fixed in the server the matrix runs (15.18; fixed
	// in 15.9), and no schema overlay can make the server reuse a plan
	// across SET ROLE: the probe brings its own roles and policy. The
	// oracle is proven by a stand-in for the server bug
	// (harness/plancache_test.go, executeRole), not by the matrix.
	"plan-cache": "not seedable on a fixed server (CVE-2024-10976 fixed in 15.9; the matrix runs 15.x >= 15.9)",
}

// uncoveredSites are the (site, kind) pairs no mutant reaches: for each,
// no mutant in the catalogue expects the kind from a property that runs
// the site. Visible gaps, with their reasons; reaching one makes the test
// fail until its entry goes.
var uncoveredSites = map[string]string{
	"plancache.go:planCacheProbe plan-cache": "see uncoveredKinds",
	// The scan resolves probe.kind to every kind any probe carries; the
	// write and side-channel probes never reach readStatement.
	"probe.go:readStatement cross-tenant-write":     "scan over-approximation (probe.kind of write probes)",
	"probe.go:readStatement side-channel":           "scan over-approximation (probe.kind of side-channel probes)",
	"probe.go:readStatement cross-tenant-reference": "scan over-approximation (probe.kind of cross-reference probes)",
}

// catalogueKinds lists, for each finding kind, the properties from which
// some mutant of the kill matrix (SQL, vector, level-3 and API
// catalogues) is expected to produce it.
func catalogueKinds(t *testing.T) map[string][]string {
	t.Helper()
	sqlMutants, err := Load(fixtures.Mutants())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, m := range sqlMutants {
		for _, k := range m.Kinds {
			out[k] = appendUnique(out[k], m.Property)
		}
	}
	for _, m := range vector.Mutants {
		p, ok := m.Property, m.Property != ""
		if !ok {
			p, ok = vectorProperty[m.Kind]
		}
		if !ok {
			t.Fatalf("vector mutant %s: kind %s has no property in vectorProperty", m.Name, m.Kind)
		}
		out[string(m.Kind)] = appendUnique(out[string(m.Kind)], p)
	}
	for _, m := range router.Mutants {
		for _, k := range m.Kinds {
			out[string(k)] = appendUnique(out[string(k)], m.Property)
		}
	}
	for _, m := range api.Mutants { // rows api:NAME of the matrix
		for _, k := range m.Kinds {
			out[string(k)] = appendUnique(out[string(k)], m.Property)
		}
	}
	return out
}

// TestEveryFindingSiteHasAMutant is the coverage gate of the kill matrix:
// every finding kind the harness declares, and every place in its source
// that gives a finding a kind, has a mutant in the catalogue expected to
// produce that kind from a property that runs that place, or is listed
// above as a gap with its reason.
//
// Limits: the scan reads source without type-checking (kinds by package
// and constant name, constructors by package and name); a site is "reached" when a mutant expects
// its kind from one of its properties, which does not prove the mutant's
// finding comes from that very site (TestKillMatrix proves the kill, not
// the path).
func TestEveryFindingSiteHasAMutant(t *testing.T) {
	scan := scanSites(t, "..")
	if len(scan.Kinds) < 20 || len(scan.Sites) < 20 {
		t.Fatalf("the scan found %d kinds and %d sites: it no longer reads the harness", len(scan.Kinds), len(scan.Sites))
	}
	for _, u := range scan.Unresolved {
		if _, ok := passedOn[u]; !ok {
			t.Errorf("%s: the kind of this finding resolves to no constant; list it in passedOn if it copies a kind from a site", u)
		}
	}
	for u := range passedOn {
		if !containsString(scan.Unresolved, u) {
			t.Errorf("passedOn lists %s, which the scan no longer finds", u)
		}
	}
	covered := catalogueKinds(t)

	kindsSeen := map[string]bool{}
	var allSites []string
	for _, s := range scan.Sites {
		kindsSeen[s.Kind] = true
		allSites = appendUnique(allSites, s.Where)
	}
	for name, v := range scan.Kinds {
		if !kindsSeen[v] {
			t.Errorf("kind %s (%s) is declared but no site constructs it: remove it or fix the scan", name, v)
		}
		_, gap := uncoveredKinds[v]
		switch {
		case len(covered[v]) == 0 && !gap:
			t.Errorf("kind %s: no mutant of the kill matrix is expected to produce it; seed one (with its docs/leaks.md entry) or list it in uncoveredKinds with the reason", v)
		case len(covered[v]) > 0 && gap:
			t.Errorf("kind %s is listed in uncoveredKinds but mutants produce it (%v): remove the entry", v, covered[v])
		}
	}
	for k := range uncoveredKinds {
		if !kindsSeen[k] {
			t.Errorf("uncoveredKinds lists %s, which is no finding kind", k)
		}
	}
	for k := range covered {
		if !kindsSeen[k] {
			t.Errorf("a mutant expects kind %q, which no site constructs", k)
		}
	}

	for _, w := range allSites {
		if _, ok := siteProperties[w]; !ok {
			t.Errorf("finding site %s is not in siteProperties: list the properties that run it", w)
		}
	}
	for w := range siteProperties {
		if !containsString(allSites, w) {
			t.Errorf("siteProperties lists %s, which constructs no finding any more", w)
		}
	}
	var gaps []string
	for _, s := range scan.Sites {
		key := s.Where + " " + s.Kind
		reached := false
		for _, p := range covered[s.Kind] {
			if containsString(siteProperties[s.Where], p) {
				reached = true
			}
		}
		_, listed := uncoveredSites[key]
		switch {
		case !reached && !listed:
			t.Errorf("%s: no mutant is expected to produce %s from a property that runs this site (%v); seed one or list it in uncoveredSites with the reason", s.Where, s.Kind, siteProperties[s.Where])
		case reached && listed:
			t.Errorf("%s is listed in uncoveredSites but a mutant reaches it: remove the entry", key)
		case listed:
			gaps = append(gaps, key)
		}
	}
	for k := range uncoveredSites {
		if !containsString(siteKeys(scan.Sites), k) {
			t.Errorf("uncoveredSites lists %s, which the scan no longer finds", k)
		}
	}
	sort.Strings(gaps)
	t.Logf("%d kinds, %d sites (%d site-kind pairs); gaps kept visible: %d\n%s", len(scan.Kinds), len(allSites), len(scan.Sites), len(gaps), strings.Join(gaps, "\n"))
}

func siteKeys(ss []site) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s %s", s.Where, s.Kind)
	}
	return out
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
