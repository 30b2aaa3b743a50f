// Package testenv gives tests a target database: a private embedded
// PostgreSQL with the reference schema and the overlays a test asks for.
// Tests skip, with the reason, when no PostgreSQL binaries are installed.
package testenv

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
)

// Root is the repository root, for fixture paths.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Fixture returns the path of a file under fixtures/.
func Fixture(rel string) string { return filepath.Join(Root(), "fixtures", rel) }

// Database starts a private server for the test and stops it at cleanup.
func Database(t testing.TB) *pg.Database {
	t.Helper()
	db, err := pg.StartEmbedded(context.Background(), pg.EmbeddedOptions{})
	if errors.Is(err, pg.ErrNoBinaries) {
		needtool.Missing(t, "no PostgreSQL binaries: %v", err)
	}
	if err != nil {
		t.Fatalf("start embedded postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

// Target opens the reference schema plus overlays (paths under fixtures/
// or absolute) on a private server.
func Target(t testing.TB, overlays ...string) *harness.Target {
	t.Helper()
	return TargetWith(t, harness.Config{}, overlays...)
}

// TargetWith is Target with a custom configuration.
func TargetWith(t testing.TB, cfg harness.Config, overlays ...string) *harness.Target {
	t.Helper()
	var paths []string
	for _, o := range overlays {
		if !filepath.IsAbs(o) {
			o = Fixture(o)
		}
		paths = append(paths, o)
	}
	files, err := harness.LoadFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Overlays = append(cfg.Overlays, files...)
	tg, err := harness.Open(context.Background(), Database(t), cfg)
	if err != nil {
		t.Fatalf("open target: %v", err)
	}
	t.Cleanup(tg.Close)
	return tg
}
