package pg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestStartEmbedded(t *testing.T) {
	t.Parallel()
	d := startTestDB(t, EmbeddedOptions{ExtraSettings: map[string]string{"work_mem": "7MB"}})
	dir, pid := d.instanceDir(), d.srv.proc.pid()

	if d.Name != "tenantfuzz" || d.User != "postgres" || !d.Superuser || d.SharedServer || d.RoleSuffix != "" {
		t.Errorf("unexpected Database fields: %+v", d)
	}
	if d.VersionNum < 100000 || !strings.HasPrefix(d.Version, "1") || strings.Contains(d.Version, " ") {
		t.Errorf("unexpected version %q / %d", d.Version, d.VersionNum)
	}
	if shmUsable() && !strings.HasPrefix(dir, shmDir+"/"+instancePrefix) {
		t.Errorf("instance dir %s is not under %s", dir, shmDir)
	}
	if got := readPIDFile(filepath.Join(dir, ownerPIDFile)); got != os.Getpid() {
		t.Errorf("owner.pid = %d, want %d", got, os.Getpid())
	}
	fi, err := os.Stat(d.srv.dataDir())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", fi.Mode().Perm())
	}
	if r, _ := serverUser(); r != nil {
		if uid := fi.Sys().(*syscall.Stat_t).Uid; int(uid) != r.uid {
			t.Errorf("data dir owned by uid %d, want %s (%d)", uid, r.name, r.uid)
		}
	}

	conn := connect(t, d.DSN)
	if got := queryString(t, conn, "SELECT current_database() || ' ' || current_user"); got != "tenantfuzz postgres" {
		t.Errorf("connected to %q", got)
	}
	if got := queryString(t, conn, "SHOW work_mem"); got != "7MB" {
		t.Errorf("work_mem = %q, want the ExtraSettings value 7MB", got)
	}
	mustExec(t, conn, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1), (2)")
	if got := queryString(t, conn, "SELECT sum(id)::text FROM t"); got != "3" {
		t.Errorf("sum = %s", got)
	}
	admin := connect(t, d.AdminDSN("postgres"))
	if got := queryString(t, admin, "SELECT current_database()"); got != "postgres" {
		t.Errorf("AdminDSN connected to %q", got)
	}

	// Close from several goroutines at once; every call sees success.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := d.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	if processAlive(pid) {
		t.Errorf("postmaster %d still alive after Close", pid)
	}
	assertNotExist(t, dir)
	if err := d.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, live := range liveDatabases() {
		if live == d {
			t.Error("closed database still registered")
		}
	}
}

func TestConcurrentStartsShareTemplate(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	var mu sync.Mutex
	var logs []string
	opts := EmbeddedOptions{CacheDir: cache, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, f)
		t.Logf(f, a...)
	}}
	count := func(substr string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, l := range logs {
			if strings.Contains(l, substr) {
				n++
			}
		}
		return n
	}

	dbs := make([]*Database, 2)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() { dbs[i] = startTestDB(t, opts) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if dbs[0].instanceDir() == dbs[1].instanceDir() {
		t.Fatal("two servers share an instance directory")
	}
	for _, d := range dbs {
		if got := queryString(t, connect(t, d.DSN), "SELECT 'ok'"); got != "ok" {
			t.Errorf("query returned %q", got)
		}
	}
	if n := count("creating template"); n != 1 {
		t.Errorf("template created %d times, want once", n)
	}
	if n := count("reusing template"); n != 1 {
		t.Errorf("template reused %d times, want once", n)
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "pgdata-"+dbs[0].Version+"-") {
		t.Errorf("cache holds %v, want exactly one pgdata-%s-<hash>", entries, dbs[0].Version)
	}
	if !templateReady(filepath.Join(cache, entries[0].Name())) {
		t.Errorf("template %s has no PG_VERSION", entries[0].Name())
	}
}

func TestStartEmbeddedWithoutBinaries(t *testing.T) {
	t.Parallel()
	_, err := StartEmbedded(testCtx(t), EmbeddedOptions{BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
}

func TestStartEmbeddedServerFails(t *testing.T) {
	t.Parallel()
	d, err := StartEmbedded(testCtx(t), EmbeddedOptions{
		Logf:          t.Logf,
		ExtraSettings: map[string]string{"no_such_setting": "1"},
	})
	if err == nil {
		d.Close(context.Background())
		t.Fatal("StartEmbedded succeeded with a bogus setting")
	}
	t.Log(err)
	// The error carries the server's own complaint from its log.
	if !strings.Contains(err.Error(), `"no_such_setting"`) {
		t.Errorf("error lacks the server log: %v", err)
	}
	// TestMain checks that no instance directory is left behind.
}
