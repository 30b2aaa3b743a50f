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
// mutant's variant) with the given HS256 key (RS256 tokens refused).
func (e *Env) NewService(key []byte) *Service {
	return e.NewServiceKeys(Keys{HS256: key})
}

// NewServiceKeys returns the service under test with the run's keys:
// HS256 and, when keys has one, RS256.
func (e *Env) NewServiceKeys(keys Keys) *Service {
	s := &Service{App: e.app, Owner: e.Target.Pool, Key: keys.HS256, Public: keys.Public(), Zone: DefaultZone, Hooks: Reference()}
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
	if _, err := e.Target.CommitWorld(ctx, w); err != nil {
		return err
	}
	// Slugs the Host can name: acme-1, acme-2 ... (Slug).
	for i, tn := range w.Tenants {
		if _, err := e.Target.Pool.Exec(ctx, "UPDATE tenants SET slug = $1 WHERE id = $2::uuid", Slug(i), tn.ID); err != nil {
			return fmt.Errorf("set tenant slugs: %w", err)
		}
	}
	return nil
}

// Digests returns a digest of each tenant's documents and chunks (by
// tenant id), read as the admin: a write of one tenant must leave every
// other tenant's digest as it was.
func (e *Env) Digests(ctx context.Context) (map[string]string, error) {
	rows, err := e.Target.Pool.Query(ctx, `SELECT t::text, md5(coalesce(string_agg(r, ',' ORDER BY r), '')) FROM (
		SELECT tenant_id AS t, d::text AS r FROM documents d
		UNION ALL SELECT tenant_id, c::text FROM document_chunks c) x GROUP BY t`)
	if err != nil {
		return nil, fmt.Errorf("digest tenants: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var p [2]string
		err := r.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("digest tenants: %w", err)
	}
	m := map[string]string{}
	for _, p := range out {
		m[p[0]] = p[1]
	}
	return m, nil
}

// ResetContexts clears any tenant context left on the idle connections of
// the application pool (RESET app.tenant_id): each check starts from a
// pool that holds none, so a finding replays from its own check alone.
func (e *Env) ResetContexts(ctx context.Context) error {
	conns := e.app.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for _, c := range conns {
		if _, err := c.Exec(ctx, "RESET app.tenant_id"); err != nil {
			return fmt.Errorf("reset a pooled connection's context: %w", err)
		}
	}
	return nil
}

// LeftContext inspects every idle connection of the application pool (the
// service's) and returns a tenant context one still holds after its
// request ended ("" when none does): the next request on that connection
// would start as that tenant.
func (e *Env) LeftContext(ctx context.Context) (string, error) {
	conns := e.app.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for _, c := range conns {
		var v string
		if err := c.QueryRow(ctx, "SELECT coalesce(current_setting('app.tenant_id', true), '')").Scan(&v); err != nil {
			return "", fmt.Errorf("read a pooled connection's context: %w", err)
		}
		if v != "" {
			return v, nil
		}
	}
	return "", nil
}
