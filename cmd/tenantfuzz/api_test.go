package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAPICommand: `tenantfuzz api` passes the reference service (exit 0),
// catches the header-tenant mutant (exit 1) with a curl reproduction that
// prints no signed token, and the printed replay line, run as printed,
// reproduces the finding. About 5 s (three embedded servers).
func TestAPICommand(t *testing.T) {
	clean := cli(t, nil, "api", "--seed", "7", "--checks", "10")
	if clean.code != 0 || !strings.Contains(clean.stdout, "checks 10,") || !strings.Contains(clean.stdout, ": pass") {
		t.Fatalf("reference: exit %d, want 0 and a pass over 10 checks\nstdout:\n%s\nstderr:\n%s", clean.code, clean.stdout, clean.stderr)
	}

	leak := cli(t, nil, "api", "--seed", "7", "--checks", "20", "--mutant", "header-tenant")
	if leak.code != 1 || !strings.Contains(leak.stdout, "api-cross-tenant-") || !strings.Contains(leak.stdout, "curl -sS") {
		t.Fatalf("header-tenant: exit %d, want 1 with a cross-tenant finding and a curl line\nstdout:\n%s\nstderr:\n%s", leak.code, leak.stdout, leak.stderr)
	}
	if strings.Contains(leak.stdout, "Bearer ey") || !strings.Contains(leak.stdout, "$TOKEN") {
		t.Fatalf("header-tenant: a valid token must show as $TOKEN, never literally:\n%s", leak.stdout)
	}
	for _, name := range []string{"api-report.json", "repro-api-1.sh"} {
		if _, err := os.Stat(filepath.Join(leak.dir, name)); err != nil {
			t.Errorf("--report-dir: %v", err)
		}
	}
	line := regexp.MustCompile(`(?m)^  replay: tenantfuzz (api .*)$`).FindStringSubmatch(leak.stdout)
	if line == nil {
		t.Fatalf("no replay line naming tenantfuzz api:\n%s", leak.stdout)
	}
	again := cli(t, nil, strings.Fields(line[1])...)
	if again.code != 1 || !strings.Contains(again.stdout, "replay of seed") || !strings.Contains(again.stdout, "api-cross-tenant-") {
		t.Fatalf("replay %q: exit %d, want 1 with the finding again\nstdout:\n%s\nstderr:\n%s", line[1], again.code, again.stdout, again.stderr)
	}

	bad := cli(t, nil, "api", "--mutant", "nope")
	if bad.code != 2 || strings.Count(strings.TrimSpace(bad.stderr), "\n") != 0 || !strings.Contains(bad.stderr, "see tenantfuzz api --help") {
		t.Fatalf("unknown mutant: exit %d, want 2 and one line ending in the help hint\n%s", bad.code, bad.stderr)
	}
}
