package pg

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ownerlessGrace is how old an instance directory without an owner.pid must
// be before the sweep treats it as stale: a live process writes the file
// right after creating the directory.
const ownerlessGrace = time.Minute

// sweepMu keeps concurrent StartEmbedded calls from sweeping at once.
var sweepMu sync.Mutex

// sweepStale removes instance directories left behind by tenantfuzz
// processes that no longer exist, first killing a postmaster still running
// in one. It is best-effort and never touches the directory of a live
// process.
func sweepStale(logf func(string, ...any)) {
	sweepMu.Lock()
	defer sweepMu.Unlock()
	for _, base := range instanceBases() {
		matches, _ := filepath.Glob(filepath.Join(base, instancePrefix+"*"))
		for _, dir := range matches {
			if isStale(dir) && stopLeftoverPostmaster(dir) {
				if err := os.RemoveAll(dir); err == nil {
					logf("pg: removed stale instance directory %s", dir)
				}
			}
		}
	}
}

// isStale reports whether the instance directory dir belongs to a process
// that is gone.
func isStale(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	owner := readPIDFile(filepath.Join(dir, ownerPIDFile))
	if owner == 0 {
		return time.Since(fi.ModTime()) > ownerlessGrace
	}
	return !processAlive(owner)
}

// stopLeftoverPostmaster kills the postmaster recorded in dir's data
// directory if it still runs, and reports whether none runs any more. It
// only kills a process whose command line names that data directory, so a
// recycled pid is left alone.
func stopLeftoverPostmaster(dir string) bool {
	data := filepath.Join(dir, "data")
	pid := readPIDFile(filepath.Join(data, "postmaster.pid"))
	if pid == 0 || !processAlive(pid) {
		return true
	}
	if !strings.Contains(processCmdline(pid), data) {
		// Not our postmaster (or we cannot tell): the pid was recycled, so
		// the directory is dead and safe to remove.
		return processCmdline(pid) != ""
	}
	for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGKILL} {
		_ = syscall.Kill(pid, sig)
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if !processAlive(pid) {
				return true
			}
		}
	}
	return false
}
