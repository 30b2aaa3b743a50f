package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

// TestRunSmall runs the rows that share a server at a tiny size and checks
// that each measured something and that the scripts replay; it asserts no
// speed.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and pgbench")
	}
	binDir, err := pg.FindBinaries("")
	if errors.Is(err, pg.ErrNoBinaries) {
		needtool.Missing(t, "no PostgreSQL binaries: %v", err)
	}
	if _, err := os.Stat(filepath.Join(binDir, "pgbench")); err != nil {
		needtool.Missing(t, "no pgbench (it comes with the PostgreSQL server package): %v", err)
	}
	o := Options{Items: []int{1, 2, 4, 6}, Rounds: 2, RoundTime: 50 * time.Millisecond, Clients: 2, StreamChecks: 5,
		SmallChecks: 5, Tenants: 50, PerTenant: 2, Scale: 1, Dir: t.TempDir(), Logf: t.Logf}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Read == nil || r.Read.Checks != 5 || len(r.Read.Points) != 2 || len(r.Read.Points[1].Harness) != 2 || r.Read.Ratio <= 0 || len(r.Read.Scripts) != 2 {
		t.Errorf("read checks: %+v", r.Read)
	}
	if r.Small == nil || len(r.Small.Properties) < 3 || r.Small.Properties[0].Median <= 0 {
		t.Errorf("small worlds: %+v", r.Small)
	}
	if r.Seeding == nil || r.Seeding.Rows != 50*(1+3*2) || r.Seeding.Ratio <= 0 || (runtime.GOOS == "linux" && r.Seeding.Memory.PeakRSSMB <= 0) {
		t.Errorf("seeding: %+v", r.Seeding)
	}
	if r.Startup != nil || r.Detect != nil {
		t.Error("rows not asked for were measured")
	}
}
