package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgbench runs the pgbench binary that ships with the server against one
// database. The connection goes through PG* environment variables, so no
// secret shows in the process list.
type pgbench struct {
	bin string
	env []string
}

// newPgbench finds pgbench in binDir and prepares its environment for the
// database dsn connects to.
func newPgbench(binDir, dsn string) (*pgbench, error) {
	bin := filepath.Join(binDir, "pgbench")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("find pgbench: %w: install the PostgreSQL client programs beside the server (Debian: postgresql-client)", err)
	}
	env, err := pgEnv(dsn)
	if err != nil {
		return nil, err
	}
	return &pgbench{bin: bin, env: env}, nil
}

// pgEnv renders a connection string as libpq environment variables.
func pgEnv(dsn string) ([]string, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn for pgbench: %w", err)
	}
	env := []string{
		"PGHOST=" + cfg.Host,
		"PGPORT=" + strconv.Itoa(int(cfg.Port)),
		"PGUSER=" + cfg.User,
		"PGDATABASE=" + cfg.Database,
		"PGSSLMODE=disable",
		"PGAPPNAME=tenantfuzz-bench",
	}
	if cfg.TLSConfig != nil {
		env[4] = "PGSSLMODE=require"
	}
	if cfg.Password != "" {
		env = append(env, "PGPASSWORD="+cfg.Password)
	}
	return env, nil
}

// run runs pgbench with args and returns its output (stdout, then stderr).
func (p *pgbench) run(ctx context.Context, args ...string) (string, error) {
	out, _, err := p.runCPU(ctx, args...)
	return out, err
}

// runCPU is run that also returns the CPU time (user and system) pgbench
// used.
func (p *pgbench) runCPU(ctx context.Context, args ...string) (string, time.Duration, error) {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Env = append(os.Environ(), p.env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err == nil && strings.Contains(out.String(), "aborted") {
		err = fmt.Errorf("a client aborted")
	}
	if err != nil {
		return out.String(), 0, fmt.Errorf("run pgbench %s: %w; its output ends:\n%s", strings.Join(args, " "), err, tail(out.String(), 15))
	}
	return out.String(), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

var (
	tpsRE      = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	initDoneRE = regexp.MustCompile(`(?m)^done in ([0-9.]+) s`)
	failedRE   = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// parseTPS reads the transaction rate of a pgbench run (connection time
// excluded) and checks that no transaction failed.
func parseTPS(out string) (float64, error) {
	if m := failedRE.FindStringSubmatch(out); m != nil && m[1] != "0" {
		return 0, fmt.Errorf("read pgbench output: %s transactions failed: the script does not replay cleanly", m[1])
	}
	m := tpsRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("read pgbench output: no tps line in:\n%s", tail(out, 15))
	}
	return strconv.ParseFloat(m[1], 64)
}

// parseInitDone reads the total time of pgbench -i, in seconds.
func parseInitDone(out string) (float64, error) {
	m := initDoneRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("read pgbench -i output: no \"done in\" line in:\n%s", tail(out, 15))
	}
	return strconv.ParseFloat(m[1], 64)
}

// initRows is the number of rows pgbench -i -s scale creates: 100,000
// accounts, 10 tellers and 1 branch per unit of scale.
func initRows(scale int) int64 { return int64(scale) * 100011 }

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
