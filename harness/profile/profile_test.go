package profile_test

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz"
	"github.com/tenantfuzz/tenantfuzz/harness/profile"
)

func TestBuiltInProfiles(t *testing.T) {
	set, err := profile.Parse(tenantfuzz.GinkgoYML, "ginkgo.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"quick", "pr", "nightly"} {
		p, err := set.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Checks < 1 || p.Budget <= 0 || p.Tenants[0] < 2 {
			t.Errorf("%s: %+v", name, p)
		}
	}
	q, _ := set.Get("quick")
	n, _ := set.Get("nightly")
	if q.Checks >= n.Checks || q.Budget >= n.Budget {
		t.Errorf("quick (%d checks, %v) is not smaller than nightly (%d, %v)", q.Checks, q.Budget, n.Checks, n.Budget)
	}
	if pr, _ := set.Get("pr"); !pr.PartialFails || n.PartialFails {
		t.Errorf("partial_fails: pr %v (want true: a pull request gets every check), nightly %v (want false)", pr.PartialFails, n.PartialFails)
	}
	if n.Large.Tenants < 10000 || n.Large.Rows < 1 || q.Large.Tenants != 0 {
		t.Errorf("nightly must check a world of at least 10,000 tenants and quick none: nightly %+v, quick %+v", n.Large, q.Large)
	}
}

func TestBadProfiles(t *testing.T) {
	cases := map[string]string{
		"profiles: {}":               "no profiles",
		"profiles: {x: {checks: 0}}": "checks must be at least 1",
		"profiles: {x: {checks: 1, tenants: [1, 2], rows: 1, statements: 1, budget: 1m}}":                 "tenants must be",
		"profiles: {x: {checks: 1, tenants: [2, 2], rows: 1, statements: 1, budget: 1m, reports: [pdf]}}": `unknown report "pdf"`,
		"profiles: {x: {chekcs: 1}}": "chekcs",
		"profiles: {x: {checks: 1, tenants: [2, 2], rows: 1, statements: 1, budget: soon}}":                     "soon",
		"profiles: {x: {checks: 1, tenants: [2, 2], rows: 1, statements: 1, budget: 1m, large: {tenants: -5}}}": "large: tenants",
		"profiles: {x: {checks: 1, tenants: [2, 2], rows: 1, statements: 1, budget: 1m, large: {tenant: 5}}}":   "tenant",
	}
	for src, want := range cases {
		_, err := profile.Parse([]byte(src), "test.yml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", src, err, want)
		}
	}
	set, _ := profile.Parse(tenantfuzz.GinkgoYML, "ginkgo.yml")
	if _, err := set.Get("weekly"); err == nil || !strings.Contains(err.Error(), "nightly, pr, quick") {
		t.Errorf("Get(weekly) = %v, want the known profiles listed", err)
	}
}
