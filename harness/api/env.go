package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// Env is what the API property runs against: one database with the
// reference schema (harness.Target, whose pool is the admin's), the
// application role's pool the service serves tenants from, and the mutant
// (nil: the reference service).
type Env struct {
	Target *harness.Target
	Mutant *Mutant
	app    *pgxpool.Pool
	db     *pg.Database // set when NewEnv started the server itself
}

// NewEnv starts an embedded PostgreSQL server (start nil) or uses the one
// start returns, applies the reference schema and opens the application
// pool. Close stops what NewEnv started.
func NewEnv(ctx context.Context, start func(context.Context) (*pg.Database, error)) (*Env, error) {
	if start == nil {
		start = func(ctx context.Context) (*pg.Database, error) { return pg.StartEmbedded(ctx, pg.EmbeddedOptions{}) }
	}
	db, err := start(ctx)
	if err != nil {
		return nil, fmt.Errorf("start api env database: %w", err)
	}
	e := &Env{db: db}
	if e.Target, err = harness.Open(ctx, db, harness.Config{}); err != nil {
		e.Close()
		return nil, fmt.Errorf("apply the reference schema: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(db.DSN)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = 4, 0
	role := e.Target.Config.AppRole
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// The application's login role as the session's own (RESET ROLE
		// cannot leave it); without superuser rights, SET ROLE.
		if _, err := c.Exec(ctx, "SET SESSION AUTHORIZATION "+catalog.QuoteIdent(role)); err != nil {
			_, err = c.Exec(ctx, "SET ROLE "+catalog.QuoteIdent(role))
			return err
		}
		return nil
	}
	if e.app, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		e.Close()
		return nil, fmt.Errorf("open application pool: %w", err)
	}
	return e, nil
}

// Close closes the pools and stops the server NewEnv started. Copies made
// by WithMutant share them: close only the original.
func (e *Env) Close() {
	if e.app != nil {
		e.app.Close()
	}
	if e.Target != nil {
		e.Target.Close()
	}
	if e.db != nil {
		_ = e.db.Close(context.Background())
	}
}

// WithMutant returns a copy whose service carries the mutant's defect.
func (e *Env) WithMutant(m *Mutant) *Env {
	c := *e
	c.Mutant = m
	return &c
}

// NewService returns the service under test (the reference, or the
// mutant's variant) with the given key.
func (e *Env) NewService(key []byte) *Service {
	s := &Service{App: e.app, Owner: e.Target.Pool, Key: key, Hooks: Reference()}
	return e.Mutant.Apply(s)
}

// tenantTables are the reference schema's tables, emptied before each
// world (the harness's own database: nothing else lives there).
var tenantTables = []string{"document_chunks", "documents", "users", "tenants"}

// Clear empties the tenant tables as the admin role.
func (e *Env) Clear(ctx context.Context) error {
	_, err := e.Target.Pool.Exec(ctx, "TRUNCATE "+strings.Join(tenantTables, ", ")+" CASCADE")
	if err != nil {
		return fmt.Errorf("empty the tenant tables: %w", err)
	}
	return nil
}

// Load empties the tenant tables and commits w as the admin role: the
// world the service then serves. Rows the schema refuses are an error.
func (e *Env) Load(ctx context.Context, w *generators.World) error {
	if err := e.Clear(ctx); err != nil {
		return err
	}
	// The undo CommitWorld returns is not used: rows the service creates
	// would block it, and the next Load (or the end of Run) empties the
	// tables of this harness-created database anyway.
	_, err := e.Target.CommitWorld(ctx, w)
	return err
}
