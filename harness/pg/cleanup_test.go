package pg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// child is a re-executed test binary running runChild.
type child struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	dir    string // its server's instance directory
	pid    int    // its server's postmaster pid
}

// startChild runs the test binary as a child in mode and waits for its
// server to be ready.
func startChild(t *testing.T, mode string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	c := &child{cmd: cmd, stderr: new(bytes.Buffer)}
	cmd.Stderr = c.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Reached only if the test failed before the child exited.
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if _, err := fmt.Sscanf(s, "READY %s %d", &c.dir, &c.pid); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child printed %q, not READY: %v; its stderr:\n%s", s, err, c.stderr)
		}
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child not ready after a minute; its stderr:\n%s", c.stderr)
	}
	if !processAlive(c.pid) {
		t.Fatalf("child's postmaster %d is not running", c.pid)
	}
	return c
}

// wait waits for the child to exit and returns its exit code (-1 if killed
// by a signal).
func (c *child) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("wait for child: %v", err)
		}
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		t.Fatalf("child did not exit within 30s; its stderr:\n%s", c.stderr)
		return 0
	}
}

func TestSignalCleansUp(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			c := startChild(t, "block")
			if err := c.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if code := c.wait(t); code != tc.code {
				t.Errorf("child exit code %d, want %d; its stderr:\n%s", code, tc.code, c.stderr)
			}
			waitGone(t, c.pid, 5*time.Second)
			assertNotExist(t, c.dir)
		})
	}
}

func TestSignalHandlingOff(t *testing.T) {
	t.Parallel()
	c := startChild(t, "nosignal")
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child ended with %v, want death by SIGINT (no handler); its stderr:\n%s", c.cmd.ProcessState, c.stderr)
	}
	// The server still dies with its parent; the sweep takes the rest.
	waitGone(t, c.pid, 5*time.Second)
	sweepStale(t.Logf)
	assertNotExist(t, c.dir)
}

func TestPanicCleansUp(t *testing.T) {
	t.Parallel()
	c := startChild(t, "panic")
	if code := c.wait(t); code != 2 {
		t.Errorf("child exit code %d, want 2 (panic)", code)
	}
	if !strings.Contains(c.stderr.String(), "child panic") {
		t.Errorf("child stderr lacks the panic:\n%s", c.stderr)
	}
	waitGone(t, c.pid, 5*time.Second)
	assertNotExist(t, c.dir)
}

// TestParentDeathKillsServer is not parallel so that no other test's
// StartEmbedded in this process sweeps the directory before it looks.
func TestParentDeathKillsServer(t *testing.T) {
	c := startChild(t, "block")
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
	waitGone(t, c.pid, 5*time.Second)
	if _, err := os.Stat(c.dir); err != nil {
		t.Logf("%s already gone (swept by another process?): %v", c.dir, err)
	}
	startTestDB(t, EmbeddedOptions{})
	assertNotExist(t, c.dir)
}
