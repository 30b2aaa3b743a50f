package pg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries means no PostgreSQL server binaries (postgres and initdb)
// were found. Errors wrapping it say where the search looked and how to fix
// it.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (postgres, initdb) found")

// binEnv names the environment variable that points at a bin directory.
const binEnv = "TENANTFUZZ_PG_BIN"

// installHint tells the user how to get binaries or avoid needing them.
const installHint = "install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; " +
	"the binaries land in /usr/lib/postgresql/<major>/bin), " +
	"or set " + binEnv + " to the directory holding postgres and initdb, " +
	"or pass --dsn to use an existing server instead"

// FindBinaries returns the directory holding the postgres and initdb
// executables. It uses explicit when it is not empty, else $TENANTFUZZ_PG_BIN,
// else a postgres found on PATH with initdb beside it, else the newest
// /usr/lib/postgresql/<major>/bin, else /usr/local/pgsql/bin. An explicit
// directory (argument or environment) that lacks the binaries is an error,
// not a reason to look elsewhere. Errors wrap ErrNoBinaries.
func FindBinaries(explicit string) (string, error) {
	if explicit != "" {
		return checkBinDir(explicit, "the bin directory given")
	}
	if dir := os.Getenv(binEnv); dir != "" {
		return checkBinDir(dir, "$"+binEnv)
	}
	var looked []string
	if p, err := exec.LookPath("postgres"); err == nil {
		// Prefer the real directory, where initdb surely sits beside
		// postgres, over a directory of symlinks.
		var dirs []string
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
		for _, d := range dirs {
			if hasBinaries(d) {
				return filepath.Abs(d)
			}
		}
		looked = append(looked, filepath.Dir(p)+" (from PATH, no initdb beside postgres)")
	} else {
		looked = append(looked, "PATH")
	}
	for _, d := range append(debianBinDirs(), "/usr/local/pgsql/bin") {
		if hasBinaries(d) {
			return d, nil
		}
	}
	looked = append(looked, "/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin")
	return "", fmt.Errorf("find postgres binaries: %w: looked in %s; %s",
		ErrNoBinaries, strings.Join(looked, ", "), installHint)
}

// checkBinDir accepts dir if it holds the binaries; from says where dir came
// from, for the error.
func checkBinDir(dir, from string) (string, error) {
	if !hasBinaries(dir) {
		return "", fmt.Errorf("find postgres binaries: %w: %s %q lacks postgres or initdb; %s",
			ErrNoBinaries, from, dir, installHint)
	}
	return filepath.Abs(dir)
}

// hasBinaries reports whether dir holds executable postgres and initdb files.
func hasBinaries(dir string) bool {
	for _, name := range []string{"postgres", "initdb"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// debianBinDirs lists /usr/lib/postgresql/<major>/bin, newest major first.
func debianBinDirs() []string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(p string) float64 {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(p)), 64)
		if err != nil {
			return -1
		}
		return v
	}
	sort.SliceStable(matches, func(i, j int) bool { return major(matches[i]) > major(matches[j]) })
	return matches
}
