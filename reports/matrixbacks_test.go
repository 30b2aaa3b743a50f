package reports

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
)

// TestMatrixBacksOnlyItsRun: a kill matrix passes CC7.1 only for a run of
// the tool version and schema digest it records; another version, another
// schema, or a matrix that records neither leaves CC7.1 partial, saying why.
func TestMatrixBacksOnlyItsRun(t *testing.T) {
	base := sampleReport(false)
	matrix := func(version, digest string) *Matrix {
		return &Matrix{Killed: 1, Total: 1, Source: MutantsFile, SHA256: "cd34", ToolVersion: version, SchemaSHA256: digest, Mutants: []mutant.Kill{
			{Mutant: mutant.Reference, Checks: 600, Seconds: 3},
			{Mutant: "rls-off", Leaks: []int{1}, Killed: true, AsExpected: true, Property: "read-isolation", Kind: "cross-tenant-read", Relation: "documents", Checks: 1, Replays: true},
		}}
	}
	for _, c := range []struct {
		name, version, digest, status, why string
	}{
		{"same run", base.Tool.Version, base.Target.SHA256, "pass", ""},
		{"other version", "0.0.9", base.Target.SHA256, "partial", "tenantfuzz 0.0.9 made it, this run is " + base.Tool.Version},
		{"other schema", base.Tool.Version, strings.Repeat("e", 64), "partial", "it tested schema sha256 eeeeeeeeeeee, this run " + base.Target.SHA256[:12]},
		{"unrecorded", "", "", "partial", "it records no tool version; it records no schema digest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := sampleReport(false)
			r.Mutants = matrix(c.version, c.digest)
			cc := controlByID(t, evaluateControls(r), "CC7.1")
			if cc.Status != c.status {
				t.Errorf("CC7.1 %s, want %s: %v", cc.Status, c.status, cc.Evidence)
			}
			text := strings.Join(cc.Evidence, "\n")
			if c.why == "" && strings.Contains(text, "does not back") {
				t.Errorf("a matching matrix is said not to back the run: %s", text)
			}
			if c.why != "" && !strings.Contains(text, "does not back this run: "+c.why) {
				t.Errorf("evidence does not say %q:\n%s", c.why, text)
			}
		})
	}
}

func controlByID(t *testing.T, cs []Control, id string) Control {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no control %s", id)
	return Control{}
}
