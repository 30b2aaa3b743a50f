package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// env is the server the comparisons share: one embedded PostgreSQL with the
// reference schema, and pgbench pointed at the same database.
type env struct {
	db      *pg.Database
	tg      *harness.Target
	pgbench *pgbench
	binDir  string
}

// openEnv starts the shared server and opens the reference schema on it.
func openEnv(ctx context.Context, o Options) (*env, error) {
	binDir, err := pg.FindBinaries(o.BinDir)
	if err != nil {
		return nil, err
	}
	db, err := pg.StartEmbedded(ctx, pg.EmbeddedOptions{BinDir: binDir})
	if err != nil {
		return nil, err
	}
	e := &env{db: db, binDir: binDir}
	if e.tg, err = harness.Open(ctx, db, harness.Config{}); err != nil {
		e.close(ctx)
		return nil, err
	}
	if e.pgbench, err = newPgbench(binDir, db.DSN); err != nil {
		e.close(ctx)
		return nil, err
	}
	return e, nil
}

func (e *env) close(ctx context.Context) {
	if e.tg != nil {
		e.tg.Close()
	}
	_ = e.db.Close(context.WithoutCancel(ctx))
}

// clear empties every tenant table.
func (e *env) clear(ctx context.Context) error {
	if err := e.tg.DropBulk(ctx); err != nil { // and forget the large world
		return err
	}
	var names []string
	for _, r := range e.tg.Catalog.TenantTables() {
		names = append(names, r.QualifiedName())
	}
	if _, err := e.tg.Pool.Exec(ctx, "TRUNCATE "+strings.Join(names, ", ")+" CASCADE"); err != nil {
		return fmt.Errorf("clear tenant tables: %w", err)
	}
	return nil
}

// postmaster returns the pid of the server's postmaster, 0 when it is not
// a local process this bench can see.
func (e *env) postmaster(ctx context.Context) int {
	var backend int
	if err := e.tg.Pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0
	}
	return postmasterOf(backend)
}

// settledServerCPU is serverCPU once at most live backends remain (those
// of a finished pgbench reaped, so that their time is counted; -1: do not
// wait), waiting at most a second.
func settledServerCPU(postmaster, live int) time.Duration {
	if postmaster == 0 {
		return 0
	}
	for end := time.Now().Add(time.Second); ; time.Sleep(5 * time.Millisecond) {
		cpu, n := serverCPU(postmaster)
		if live < 0 || n <= live || time.Now().After(end) {
			return cpu
		}
	}
}

// traced returns a copy of the target whose pool (of at most conns
// connections) reports every query to tracer; close it with the pool.
func traced(ctx context.Context, tg *harness.Target, tracer pgx.QueryTracer, conns int32) (*harness.Target, error) {
	cfg := tg.Pool.Config()
	cfg.ConnConfig.Tracer = tracer
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open traced pool: %w", err)
	}
	c := *tg
	c.Pool = pool
	return &c, nil
}
