package pg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// serverPort is the port number in the socket name; with no TCP
	// listener and a private socket directory it never clashes.
	serverPort = 5432
	// readyPoll and readyTimeout pace and bound the wait for a new server.
	readyPoll    = 10 * time.Millisecond
	readyTimeout = 30 * time.Second
	// fastShutdownWait is how long a fast shutdown (SIGINT) may take before
	// we escalate to an immediate one (SIGQUIT), and then to SIGKILL.
	fastShutdownWait = 10 * time.Second
	immediateWait    = 5 * time.Second
	killWait         = 10 * time.Second
	// maxSocketPath is the longest Unix socket path that is safe everywhere.
	maxSocketPath = 100
)

// baseSettings are the server settings of every embedded server: no TCP, and
// no durability, which a throw-away server does not need.
var baseSettings = [][2]string{
	{"listen_addresses", ""},
	{"fsync", "off"},
	{"synchronous_commit", "off"},
	{"full_page_writes", "off"},
	{"max_connections", "200"},
	{"shared_buffers", "64MB"},
	// Every check inserts a world and rolls it back: the dead rows slow
	// the next checks' scans until vacuumed. Vacuuming every second
	// doubles small-world checks/s (make bench, row 2).
	{"autovacuum_naptime", "1s"},
	// Keep dynamic shared memory inside the data directory, so a killed
	// server leaves nothing in /dev/shm outside its instance directory.
	{"dynamic_shared_memory_type", "mmap"},
}

// server is one running embedded postmaster and its instance directory:
// <dir>/data (the data directory), <dir>/sock (the socket directory),
// <dir>/postgres.log and <dir>/owner.pid.
type server struct {
	binDir string
	dir    string
	runAs  *runAs
	logf   func(string, ...any)

	// mu guards proc and stopped: a signal's CleanupAll may stop the server
	// while StartEmbedded is still starting it.
	mu      sync.Mutex
	proc    *proc // set by start; nil until then
	stopped bool  // stop has begun; start must not launch a process

	stopOnce sync.Once
	stopErr  error
}

func (s *server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *server) sockDir() string { return filepath.Join(s.dir, "sock") }
func (s *server) logPath() string { return filepath.Join(s.dir, "postgres.log") }

// dsn returns a keyword/value connection string for database dbname as the
// postgres superuser.
func (s *server) dsn(dbname string) string {
	return formatKeywordValue([]kvPair{
		{"host", s.sockDir()},
		{"port", fmt.Sprint(serverPort)},
		{"user", "postgres"},
		{"dbname", dbname},
		{"sslmode", "disable"},
	})
}

// prepare fills the instance directory from the template.
func (s *server) prepare(template string) error {
	sock := filepath.Join(s.sockDir(), fmt.Sprintf(".s.PGSQL.%d", serverPort))
	if len(sock) > maxSocketPath {
		return fmt.Errorf("prepare server: socket path %s is too long for a Unix socket: set TMPDIR to a short directory such as /tmp", sock)
	}
	if err := s.runAs.chown(s.dir); err != nil {
		return err
	}
	if err := copyTree(template, s.dataDir(), s.runAs); err != nil {
		return fmt.Errorf("prepare server: %w", err)
	}
	if err := os.Mkdir(s.sockDir(), 0o700); err != nil {
		return fmt.Errorf("prepare server: %w", err)
	}
	return s.runAs.chown(s.sockDir())
}

// start launches postmaster. extra settings override the base ones.
func (s *server) start(extra map[string]string) error {
	args := []string{"-D", s.dataDir(), "-k", s.sockDir(), "-p", fmt.Sprint(serverPort)}
	for _, kv := range baseSettings {
		args = append(args, "-c", kv[0]+"="+kv[1])
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+extra[k])
	}
	logFile, err := os.OpenFile(s.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	bin := filepath.Join(s.binDir, "postgres")
	cmd := exec.Command(bin, args...)
	cmd.Dir = s.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// SIGQUIT is PostgreSQL's immediate shutdown: if we die, so does it.
	cmd.SysProcAttr = sysProcAttr(s.runAs, syscall.SIGQUIT)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return fmt.Errorf("start postgres: %w", errShuttingDown)
	}
	p, err := startProc(cmd)
	if err != nil {
		return fmt.Errorf("start postgres: %w: check that %s is executable", err, bin)
	}
	s.proc = p
	return nil
}

// waitReady polls until the server accepts connections, it exits, ctx is
// done or readyTimeout passes.
func (s *server) waitReady(ctx context.Context) error {
	cfg, err := pgconn.ParseConfig(s.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("wait for postgres: %w", err)
	}
	cfg.ConnectTimeout = time.Second
	deadline := time.Now().Add(readyTimeout)
	for {
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn.Close(ctx)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for postgres: not ready after %s (last error: %v); the server log ends:\n%s",
				readyTimeout, err, logTail(s.logPath(), logTailLines))
		}
		select {
		case <-s.proc.done:
			return fmt.Errorf("start postgres: server exited during startup (%v); the server log ends:\n%s",
				s.proc.waitErr, logTail(s.logPath(), logTailLines))
		case <-ctx.Done():
			return fmt.Errorf("wait for postgres: %w", ctx.Err())
		case <-time.After(readyPoll):
		}
	}
}

// stop shuts the server down (fast, then immediate, then SIGKILL), waits for
// it, and removes the instance directory. ctx being done skips the fast
// shutdown. stop is idempotent.
func (s *server) stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.doStop(ctx) })
	return s.stopErr
}

func (s *server) doStop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	p := s.proc
	s.mu.Unlock()
	var errs []error
	if p != nil {
		if !waitSignal(p, syscall.SIGINT, fastShutdownWait, ctx.Done()) &&
			!waitSignal(p, syscall.SIGQUIT, immediateWait, nil) &&
			!waitSignal(p, syscall.SIGKILL, killWait, nil) {
			errs = append(errs, fmt.Errorf("stop postgres: pid %d survived SIGKILL for %s; kill it by hand", p.pid(), killWait))
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove instance directory: %w", err))
	} else {
		s.logf("pg: stopped server and removed %s", s.dir)
	}
	return errors.Join(errs...)
}

// waitSignal sends sig to p unless it has exited, then waits up to d (or
// until cancel is closed) for it to exit, and reports whether it has.
func waitSignal(p *proc, sig syscall.Signal, d time.Duration, cancel <-chan struct{}) bool {
	if p.exited() {
		return true
	}
	_ = p.cmd.Process.Signal(sig)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
	case <-cancel:
	}
	return p.exited()
}
