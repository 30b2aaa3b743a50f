package harness_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestScriptsRunInPsql: a finding's reproduction script runs in psql as
// printed (ON_ERROR_STOP, against a database holding the schema and no
// rows) and shows what the finding says: a row of the other tenant. For a
// small world and for the large world (whose script inserts only the two
// tenants involved).
func TestScriptsRunInPsql(t *testing.T) {
	bin, err := pg.FindBinaries("")
	if err != nil {
		needtool.Missing(t, "no PostgreSQL binaries: %v", err)
	}
	ctx := context.Background()
	small := testenv.Target(t, "mutants/rls_off.sql")
	res := harness.ReadIsolation.Run(ctx, small, small.Catalog.Relation("documents"), harness.RunOptions{Checks: 50, Seed: 2, ShrinkTime: time.Second})
	if len(res.Findings) == 0 {
		t.Fatalf("rls-off not found: %v", res.Err)
	}
	runScript(t, bin, small, res.Findings[0])

	large := testenv.Target(t, "mutants/lossy_tenant_key.sql")
	teardown, err := harness.LargeWorld.Prepare(ctx, large, largeOpts)
	if err != nil {
		t.Fatal(err)
	}
	res = harness.LargeWorld.RunSubject(ctx, large, harness.Subject{Name: "documents", Rel: large.Catalog.Relation("documents")}, largeOpts)
	if err := teardown(ctx); err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 {
		t.Fatalf("lossy key not found: %v", res.Err)
	}
	runScript(t, bin, large, res.Findings[0])
}

var rowCounts = regexp.MustCompile(`\((\d+) rows?\)`)

// runScript runs f's script with psql against tg's database and checks
// that its output shows an identifier of the evidence.
func runScript(t *testing.T, bin string, tg *harness.Target, f *harness.Finding) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "repro.sql")
	if err := os.WriteFile(path, []byte(f.Script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-f", path, tg.DB.DSN).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s\nscript:\n%s", err, out, f.Script)
	}
	if f.Kind == harness.KindDifferentialRead || f.Kind == harness.KindOverFiltering {
		// psql prints "(N rows)" for the statement; the finding expected another count.
		got := rowCounts.FindAllStringSubmatch(string(out), -1)
		if len(got) == 0 || got[len(got)-1][1]+" rows" == f.Expected {
			t.Errorf("psql output does not differ from the expected %s:\n%s\nscript:\n%s", f.Expected, out, f.Script)
		}
		return
	}
	var ids []string
	for _, e := range f.Evidence {
		ids = append(ids, generators.IdentifierPattern.FindAllString(e, -1)...)
	}
	for _, id := range ids {
		if strings.Contains(string(out), id) {
			return
		}
	}
	t.Errorf("psql output shows none of the evidence's identifiers %v:\n%s\nscript:\n%s", ids, out, f.Script)
}
