package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrService marks a service that could not be started or reached.
var ErrService = errors.New("service")

// Service is the user's service, started by tenantfuzz on the run's
// database: a shell command in its own process group, with DATABASE_URL
// (the run database's connection string) and TENANTFUZZ_APP_ROLE (the
// application role, suffixed on a --dsn server) in its environment. Its
// output is kept (the tail, redacted) to explain a failed start.
type Service struct {
	cmd    *exec.Cmd
	out    *tail
	done   chan struct{}
	err    error // the exit, once done is closed
	redact func(string) string
}

// Serve starts command with env added to tenantfuzz's environment.
// redact removes secrets (the DSN's password) from the output it shows.
func Serve(command string, env []string, redact func(string) string) (*Service, error) {
	cmd := exec.Command("sh", "-c", command)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s := &Service{cmd: cmd, out: &tail{}, done: make(chan struct{}), redact: redact}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: start --serve-cmd: %v", ErrService, err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	return s, nil
}

// WaitReady waits until the scope's host and port accept a connection,
// the command exits, or timeout passes.
func (s *Service) WaitReady(ctx context.Context, sc *Scope, timeout time.Duration) error {
	addr := sc.Base.Host
	if sc.Base.Port() == "" {
		addr = net.JoinHostPort(sc.Base.Hostname(), map[string]string{"http": "80", "https": "443"}[sc.Base.Scheme])
	}
	deadline := time.Now().Add(timeout)
	var last error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("%w: --serve-cmd exited (%v) before %s answered%s", ErrService, s.err, sc.Base.Redacted(), s.lastLine())
		default:
		}
		d := net.Dialer{Timeout: time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: nothing answers at %s after %s (%v): check that --serve-cmd listens on --url's host and port%s",
				ErrService, sc.Base.Redacted(), timeout, last, s.lastLine())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lastLine is "; its last output: ..." (redacted), or "".
func (s *Service) lastLine() string {
	l := s.redact(s.out.last())
	if l == "" {
		return ""
	}
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return "; its last output: " + l
}

// Stop ends the service's process group (SIGTERM, SIGKILL after 5 s) and
// waits for it.
func (s *Service) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// tail keeps the last 4 KiB a process wrote.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(bytes.ToValidUTF8(t.b, nil))), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
