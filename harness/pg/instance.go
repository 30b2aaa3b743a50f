package pg

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

const (
	// instancePrefix starts the name of every directory a server (or the
	// initdb that builds a template) runs in, so the stale sweep can find
	// them.
	instancePrefix = "tenantfuzz-pg-"
	// ownerPIDFile, inside an instance directory, holds the pid of the
	// tenantfuzz process that owns it.
	ownerPIDFile = "owner.pid"
	// shmDir is preferred for instances: memory-backed and fast.
	shmDir = "/dev/shm"
	// minShmFree is the free space /dev/shm needs before we use it; Docker's
	// default 64 MB /dev/shm is too small for a server.
	minShmFree = 512 << 20
)

// instanceBases lists the directories instance directories may live in.
func instanceBases() []string {
	bases := []string{shmDir}
	if t := os.TempDir(); filepath.Clean(t) != shmDir {
		bases = append(bases, t)
	}
	return bases
}

// newInstanceDir creates a fresh instance directory, in /dev/shm when it
// exists with room to spare and is writable, else in os.TempDir(), and
// records our pid in it.
func newInstanceDir() (string, error) {
	var dir string
	var err error
	if shmUsable() {
		dir, err = os.MkdirTemp(shmDir, instancePrefix+"*")
	}
	if dir == "" {
		dir, err = os.MkdirTemp(os.TempDir(), instancePrefix+"*")
	}
	if err != nil {
		return "", fmt.Errorf("create instance directory: %w: check that $TMPDIR (or %s) is writable", err, os.TempDir())
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := os.WriteFile(filepath.Join(dir, ownerPIDFile), pid, 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("write %s: %w", filepath.Join(dir, ownerPIDFile), err)
	}
	return dir, nil
}

// shmUsable reports whether /dev/shm is a directory with enough free space.
func shmUsable() bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(shmDir, &st); err != nil {
		return false
	}
	return uint64(st.Bavail)*uint64(st.Bsize) >= minShmFree
}

// readPIDFile returns the integer on the first line of the file at path, or
// 0 if there is none.
func readPIDFile(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	line := b
	for i, c := range b {
		if c == '\n' {
			line = b[:i]
			break
		}
	}
	pid, err := strconv.Atoi(string(trimSpace(line)))
	if err != nil {
		return 0
	}
	return pid
}

// trimSpace trims ASCII whitespace from both ends of b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
