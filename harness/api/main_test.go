package api_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedEnv != nil {
		sharedEnv.Close()
	}
	pg.CleanupAll()
	if left := ownInstanceDirs(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: instance directories left behind: %v\n", left)
		code = 1
	}
	os.Exit(code)
}

var (
	envOnce   sync.Once
	sharedEnv *api.Env
	envErr    error
)

// testEnv is one database with the reference schema for the whole
// package; TestMain closes it.
func testEnv(t *testing.T) *api.Env {
	t.Helper()
	envOnce.Do(func() { sharedEnv, envErr = api.NewEnv(context.Background(), nil) })
	if errors.Is(envErr, pg.ErrNoBinaries) {
		needtool.Missing(t, "no PostgreSQL binaries: %v", envErr)
	}
	if envErr != nil {
		t.Fatalf("start api env: %v", envErr)
	}
	return sharedEnv
}

func opts(checks int, seed uint64) harness.RunOptions {
	return harness.RunOptions{Checks: checks, Seed: seed, Statements: 6, ShrinkTime: 300 * time.Millisecond, ReplayBase: "tenantfuzz api"}
}

// ownInstanceDirs lists embedded-server directories this process owns.
func ownInstanceDirs() []string {
	var own []string
	for _, base := range []string{"/dev/shm", os.TempDir()} {
		matches, _ := filepath.Glob(filepath.Join(base, "tenantfuzz-pg-*"))
		for _, m := range matches {
			b, err := os.ReadFile(filepath.Join(m, "owner.pid"))
			if err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
				own = append(own, m)
			}
		}
	}
	return own
}
