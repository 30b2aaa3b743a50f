package audit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
)

// The seeded-defect tests share one embedded server and give each overlay
// its own database, as a --dsn run does (roles suffixed per database):
// starting a server costs several times more than opening a target on
// one, and the shared mode's role renaming gets tested on the way.
var shared struct {
	once sync.Once
	db   *pg.Database
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.db != nil {
		_ = shared.db.Close(context.Background())
	}
	pg.CleanupAll()
	os.Exit(code)
}

// sharedTarget opens the reference schema plus overlays (paths relative to
// the package directory) with cfg in a database of its own on the shared
// server.
func sharedTarget(t *testing.T, cfg harness.Config, overlays ...string) *harness.Target {
	t.Helper()
	shared.once.Do(func() { shared.db, shared.err = pg.StartEmbedded(context.Background(), pg.EmbeddedOptions{}) })
	if errors.Is(shared.err, pg.ErrNoBinaries) {
		needtool.Missing(t, "no PostgreSQL binaries: %v", shared.err)
	}
	if shared.err != nil {
		t.Fatalf("start shared server: %v", shared.err)
	}
	db, err := pg.OpenDSN(context.Background(), shared.db.DSN)
	if err != nil {
		t.Fatalf("open a database on the shared server: %v", err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	var paths []string
	for _, o := range overlays {
		p, err := filepath.Abs(o)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	files, err := harness.LoadFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Overlays = files
	tg, err := harness.Open(context.Background(), db, cfg)
	if err != nil {
		t.Fatalf("open target: %v", err)
	}
	t.Cleanup(tg.Close)
	return tg
}
