package pg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// templateFormat is part of the template cache key; bump it whenever the
// initdb options change so old templates are not reused.
const templateFormat = "1"

// initdbArgs are the options every template is created with.
var initdbArgs = []string{"-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"}

// templateMu serialises template creation within this process; rename makes
// it safe across processes.
var templateMu sync.Mutex

// versionRE finds the version number in `postgres --version` output, e.g.
// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+(?:\.\d+)?)`)

// serverVersion returns the major.minor version of the postgres binary in
// binDir, e.g. "15.18".
func serverVersion(ctx context.Context, binDir string) (string, error) {
	bin := filepath.Join(binDir, "postgres")
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("run %s --version: %w: the binary may be broken or for another platform; set %s to a working bin directory", bin, err, binEnv)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("read version of %s: unexpected output %q: set %s to a PostgreSQL bin directory", bin, strings.TrimSpace(string(out)), binEnv)
	}
	return string(m[1]), nil
}

// defaultCacheDir returns os.UserCacheDir()/tenantfuzz, or a directory under
// os.TempDir() when there is no user cache directory.
func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tenantfuzz")
	}
	return filepath.Join(os.TempDir(), "tenantfuzz-cache-"+strconv.Itoa(os.Getuid()))
}

// templatePath returns where the template data directory for this server
// version and postgres binary lives in cacheDir.
func templatePath(cacheDir, binDir, version string) string {
	// Key on the real binary so that symlinked bin directories share it.
	real, err := filepath.EvalSymlinks(filepath.Join(binDir, "postgres"))
	if err != nil {
		real = binDir
	}
	sum := sha256.Sum256([]byte(real + "\x00" + templateFormat))
	return filepath.Join(cacheDir, "pgdata-"+version+"-"+hex.EncodeToString(sum[:4]))
}

// templateReady reports whether dir holds a finished template.
func templateReady(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	return err == nil
}

// ensureTemplate returns the cached template data directory for binDir,
// creating it with initdb if it does not exist yet. initdb runs in a scratch
// instance directory (which the server OS user can reach even when the cache
// is under /root); the result is copied next to the final path and renamed
// into place, so parallel processes never see a half-built template and the
// loser of a race uses the winner's.
func ensureTemplate(ctx context.Context, binDir, cacheDir, version string, r *runAs, logf func(string, ...any)) (string, error) {
	final := templatePath(cacheDir, binDir, version)
	templateMu.Lock()
	defer templateMu.Unlock()
	if templateReady(final) {
		logf("pg: reusing template data directory %s", final)
		return final, nil
	}
	if _, err := os.Stat(final); err == nil {
		return "", fmt.Errorf("use template %s: it exists but has no PG_VERSION (left by an interrupted run?): remove it and retry", final)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w: pass another CacheDir or fix its permissions", err)
	}
	sweepTemplateTemps(final)
	logf("pg: creating template data directory %s with initdb (once per PostgreSQL version)", final)

	scratch, err := newInstanceDir()
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(scratch)
	if err := r.chown(scratch); err != nil {
		return "", err
	}
	data := filepath.Join(scratch, "data")
	if err := runInitdb(ctx, binDir, data, r); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.tmp-%d-%s", final, os.Getpid(), randomHex(4))
	if err := copyTree(data, tmp, nil); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("cache template: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if templateReady(final) {
			logf("pg: another process created %s first; using it", final)
			return final, nil
		}
		return "", fmt.Errorf("cache template: %w", err)
	}
	return final, nil
}

// runInitdb creates a data directory at data, running as r.
func runInitdb(ctx context.Context, binDir, data string, r *runAs) error {
	bin := filepath.Join(binDir, "initdb")
	var out bytes.Buffer
	cmd := exec.Command(bin, append([]string{"-D", data}, initdbArgs...)...)
	cmd.Dir = filepath.Dir(data)
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = sysProcAttr(r, syscall.SIGKILL)
	p, err := startProc(cmd)
	if err != nil {
		return fmt.Errorf("run initdb: %w: check that %s is executable", err, bin)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("run initdb: %w", ctx.Err())
	}
	if p.waitErr != nil {
		hint := ""
		if r != nil {
			hint = fmt.Sprintf(" (initdb runs as OS user %s, which must be able to read %s)", r.name, binDir)
		}
		return fmt.Errorf("run initdb: %w%s; its output:\n%s", p.waitErr, hint, indent(out.String()))
	}
	return nil
}

// sweepTemplateTemps removes temporary siblings of final left by processes
// that died while caching a template.
func sweepTemplateTemps(final string) {
	matches, _ := filepath.Glob(final + ".tmp-*")
	for _, m := range matches {
		rest := strings.TrimPrefix(m, final+".tmp-")
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(m)
	}
}

// indent prefixes every line of s with four spaces.
func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (no output)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
