package main_test

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/properties"
)

// TestListProperties: --list-properties prints every property of the one
// registry (SQL, vector, routing) with its layer, and exits 0.
func TestListProperties(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "run", "--list-properties")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range properties.All {
		if !strings.Contains(r.stdout, p.Name) || !strings.Contains(r.stdout, string(p.Layer)) {
			t.Errorf("--list-properties lacks %s (%s):\n%s", p.Name, p.Layer, r.stdout)
		}
	}
}

// TestSeveralProperties: --property is repeatable and selects exactly the
// named properties, from any layer; an unknown name is a usage error that
// lists the known ones.
func TestSeveralProperties(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "run", "--seed", "3", "--checks", "5", "--quiet", "--level3=false",
		"--property", "fail-closed", "--property", "vector-read-isolation")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := map[string]int{}
	for _, s := range readReport(t, r.dir).Scenarios {
		got[s.Property]++
	}
	if len(got) != 2 || got["fail-closed"] != 4 || got["vector-read-isolation"] != 2 {
		t.Errorf("scenarios by property %v, want fail-closed ×4 and vector-read-isolation ×2", got)
	}
	bad := cli(t, nil, "run", "--property", "read-isolation", "--property", "no-such-property")
	if bad.code != 2 || !strings.Contains(bad.stderr, `unknown property "no-such-property"`) || !strings.Contains(bad.stderr, "read-isolation") {
		t.Errorf("unknown property: exit %d, stderr %q", bad.code, bad.stderr)
	}
}
