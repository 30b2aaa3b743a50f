package pg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

func TestDockerCustomizersBuildTheContainer(t *testing.T) {
	req := testcontainers.GenericContainerRequest{}
	for _, c := range dockerCustomizers(DockerOptions{Settings: map[string]string{"max_connections": "300", "work_mem": "8MB"}}, "s3cret") {
		if err := c.Customize(&req); err != nil {
			t.Fatalf("customize: %v", err)
		}
	}
	for k, want := range map[string]string{"POSTGRES_DB": "tenantfuzz", "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "s3cret"} {
		if got := req.Env[k]; got != want {
			t.Errorf("env %s = %q, want %q", k, got, want)
		}
	}
	cmd := strings.Join(req.Cmd, " ")
	for _, want := range []string{"postgres ", "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=300", "-c work_mem=8MB"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("cmd %q lacks %q", cmd, want)
		}
	}
	for _, unwanted := range []string{"listen_addresses", "dynamic_shared_memory_type", "max_connections=200"} {
		if strings.Contains(cmd, unwanted) {
			t.Errorf("cmd %q has %q (the host must reach the server over TCP; options override defaults)", cmd, unwanted)
		}
	}
	if req.Tmpfs["/var/lib/postgresql/data"] == "" || req.Labels["org.tenantfuzz.provider"] != "docker" || req.WaitingFor == nil || req.Logger == nil {
		t.Errorf("request: tmpfs %v labels %v wait %v logger %v", req.Tmpfs, req.Labels, req.WaitingFor, req.Logger)
	}
	if !strings.Contains(DockerImage, ":15.") {
		t.Errorf("DockerImage %q is not a pinned PostgreSQL 15 tag", DockerImage)
	}
}

func TestNoDockerIsOneLineAndStartsNothing(t *testing.T) {
	if os.Getenv(dockerChildEnv) != "" {
		t.Skip("child process")
	}
	ctx := testCtx(t)
	err := DockerAvailable(ctx)
	if err == nil {
		t.Skip("a Docker engine answers here: TestStartDocker covers it")
	}
	if !errors.Is(err, ErrNoDocker) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("DockerAvailable: %q, want one line wrapping ErrNoDocker", err)
	}
	t.Logf("%v", err)
	before := len(liveDatabases())
	d, err := StartDocker(ctx, DockerOptions{})
	if !errors.Is(err, ErrNoDocker) || d != nil {
		t.Fatalf("StartDocker = %v, %v; want ErrNoDocker", d, err)
	}
	if after := len(liveDatabases()); after != before {
		t.Errorf("live databases %d -> %d", before, after)
	}
	if err := (&Database{}).Snapshot(ctx); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Snapshot of a non-docker database: %v", err)
	}
}

func TestStartDocker(t *testing.T) {
	ctx := testCtx(t)
	if err := DockerAvailable(ctx); err != nil {
		t.Skipf("%v", err)
	}
	d, err := StartDocker(ctx, DockerOptions{Logf: t.Logf})
	if err != nil {
		t.Fatalf("StartDocker: %v", err)
	}
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	if d.VersionNum/10000 != 15 || !d.Superuser || d.Name != "tenantfuzz" {
		t.Errorf("database: %+v", d)
	}
	conn := connect(t, d.DSN)
	mustExec(t, conn, "CREATE TABLE kept (x int)")
	if err := d.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "CREATE TABLE dropped (x int)")
	conn.Close(ctx)
	if err := d.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	conn = connect(t, d.DSN)
	if got := queryString(t, conn, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"); got != "kept" {
		t.Errorf("tables after restore: %q", got)
	}
}

// dockerChildEnv makes TestDockerDetectionChild run detection and print it.
const dockerChildEnv = "TENANTFUZZ_PG_DOCKER_CHILD"

// TestDockerDetectionFindsAnEngine runs detection in a child process (the
// Docker host is resolved once per process) against a fake engine on a
// Unix socket that answers ping and info.
func TestDockerDetectionFindsAnEngine(t *testing.T) {
	if os.Getenv(dockerChildEnv) != "" {
		t.Skip("child process")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix socket: %v", err)
	}
	var paths []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		w.Header().Set("Api-Version", "1.47")
		w.Header().Set("Ostype", "linux")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_ping"):
			fmt.Fprint(w, "OK")
		case strings.HasSuffix(r.URL.Path, "/info"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ID":"fake","Name":"fake","OperatingSystem":"fake engine","OSType":"linux","ServerVersion":"27.0.0","Labels":[]}`)
		case strings.HasSuffix(r.URL.Path, "/version"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"Version":"27.0.0","ApiVersion":"1.47","MinAPIVersion":"1.24","Os":"linux"}`)
		default:
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDockerDetectionChild$", "-test.v")
	cmd.Env = append(os.Environ(), dockerChildEnv+"=1", "DOCKER_HOST=unix://"+sock, "HOME="+dir, "TESTCONTAINERS_RYUK_DISABLED=true")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "DETECTED <nil>") {
		t.Fatalf("child: %v\n%s\nrequests: %v", err, out, paths)
	}
	if !slices.ContainsFunc(paths, func(p string) bool { return strings.HasSuffix(p, "/info") }) {
		t.Errorf("detection never asked the engine for its info: %v", paths)
	}
}

func TestDockerDetectionChild(t *testing.T) {
	if os.Getenv(dockerChildEnv) == "" {
		t.Skip("run by TestDockerDetectionFindsAnEngine")
	}
	fmt.Printf("DETECTED %v\n", DockerAvailable(context.Background()))
}
