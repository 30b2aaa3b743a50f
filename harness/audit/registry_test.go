package audit_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestRegistry: the registry is sorted by ID, IDs and names are unique and
// well-formed, and every check carries what reports print: title,
// severity, rationale, fix and docs/leaks.md entries that exist (1 to harness.LeaksEntries).
func TestRegistry(t *testing.T) {
	idRE := regexp.MustCompile(`^TFA[0-9]{3}$`)
	nameRE := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	checks := audit.Checks()
	if len(checks) < 25 {
		t.Errorf("%d checks, want at least 25", len(checks))
	}
	names := map[string]bool{}
	for i, c := range checks {
		if !idRE.MatchString(c.ID) {
			t.Errorf("%s: id does not match %s", c, idRE)
		}
		if i > 0 && checks[i-1].ID >= c.ID {
			t.Errorf("%s: not sorted after %s", c, checks[i-1])
		}
		if !nameRE.MatchString(c.Name) || names[c.Name] {
			t.Errorf("%s: name is malformed or duplicated", c)
		}
		names[c.Name] = true
		if c.Title == "" || c.Rationale == "" || c.Fix == "" {
			t.Errorf("%s: title, rationale and fix are required", c)
		}
		switch c.Severity {
		case harness.SeverityHigh, harness.SeverityMedium, harness.SeverityLow:
		default:
			t.Errorf("%s: severity %q is not high, medium or low", c, c.Severity)
		}
		if len(c.Leaks) == 0 {
			t.Errorf("%s: cites no docs/leaks.md entry", c)
		}
		for _, l := range c.Leaks {
			if l < 1 || l > harness.LeaksEntries {
				t.Errorf("%s: docs/leaks.md entry %d does not exist", c, l)
			}
		}
		if audit.CheckByID(c.ID) != c || audit.CheckByID(c.Name) != c {
			t.Errorf("%s: CheckByID does not find it", c)
		}
	}
}

// TestDocsListChecks: docs/audit.md holds audit.WriteMarkdown's table of
// every check verbatim (paste harness/audit/checks.md into it).
func TestDocsListChecks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "docs", "audit.md"))
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := audit.WriteMarkdown(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), table.String()) {
		t.Error("docs/audit.md does not hold the table of checks audit.WriteMarkdown writes: paste harness/audit/checks.md into it (regenerate that with TENANTFUZZ_UPDATE_CHECKS=1 go test -run TestChecksDoc ./harness/audit)")
	}
}
