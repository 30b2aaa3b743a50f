package pg

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// fakeInstance makes an instance directory owned by pid (0: no owner.pid)
// whose data/postmaster.pid names postmaster (0: none).
func fakeInstance(t *testing.T, owner, postmaster int) string {
	t.Helper()
	dir, err := os.MkdirTemp(instanceBases()[0], instancePrefix+"*")
	if err != nil {
		dir, err = os.MkdirTemp(os.TempDir(), instancePrefix+"*")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path string, pid int) {
		if pid != 0 {
			if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(filepath.Join(dir, ownerPIDFile), owner)
	write(filepath.Join(dir, "data", "postmaster.pid"), postmaster)
	return dir
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// fakePostmaster starts a process whose command line names dir's data
// directory, as a real postmaster's does, and reaps it when it dies.
func fakePostmaster(t *testing.T, dir string) (*exec.Cmd, chan struct{}) {
	t.Helper()
	cmd := exec.Command(os.Args[0], filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), childEnv+"=sleep")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	return cmd, done
}

func TestSweepStale(t *testing.T) {
	dead := deadPID(t)
	staleEmpty := fakeInstance(t, dead, 0)
	staleRunning := fakeInstance(t, dead, 0)
	pm, pmDone := fakePostmaster(t, staleRunning)
	if err := os.WriteFile(filepath.Join(staleRunning, "data", "postmaster.pid"), []byte(strconv.Itoa(pm.Process.Pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A live process whose pid a stale postmaster.pid names by chance.
	bystander := exec.Command("sleep", "30")
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bystander.Process.Kill(); _ = bystander.Wait() })
	staleRecycled := fakeInstance(t, dead, bystander.Process.Pid)
	live := fakeInstance(t, os.Getpid(), 0)
	fresh := fakeInstance(t, 0, 0)

	sweepStale(t.Logf)
	// Other test processes sweep the same directories at the same time (go
	// test runs packages in parallel) and may be mid-way through one: give
	// the best-effort sweep a few more passes before judging.
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && anyExists(staleEmpty, staleRunning, staleRecycled); time.Sleep(100 * time.Millisecond) {
		sweepStale(t.Logf)
	}

	assertNotExist(t, staleEmpty)
	assertNotExist(t, staleRunning)
	assertNotExist(t, staleRecycled)
	select {
	case <-pmDone:
	case <-time.After(5 * time.Second):
		t.Error("the stale postmaster was not killed")
	}
	if !processAlive(bystander.Process.Pid) {
		t.Error("the sweep killed a process that is not a postmaster of the directory")
	}
	for _, d := range []string{live, fresh} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("the sweep removed %s, which is not stale: %v", d, err)
		}
	}
}

func anyExists(dirs ...string) bool {
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			return true
		}
	}
	return false
}
