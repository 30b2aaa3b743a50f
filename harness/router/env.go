package router

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// EnvOptions configure NewEnv. The zero value is ready to use.
type EnvOptions struct {
	// Dedicated is the number of dedicated databases (default 2, at most
	// 8); worlds place at most this many tenants outside the shared one.
	Dedicated int
	// Zone is the wildcard rule's zone (default DefaultZone).
	Zone string
	// Start starts one database (the provider); nil means
	// pg.StartEmbedded with default options. For --postgres docker pass
	// func(ctx) { return pg.StartDocker(ctx, pg.DockerOptions{}) }.
	Start func(ctx context.Context) (*pg.Database, error)
	// Logf, if set, receives progress messages.
	Logf func(format string, args ...any)
}

// Database is one database of the environment: the shared one or a
// dedicated one.
type Database struct {
	Name   string // SharedDB or "dedicated-N"; the server reports it as tenantfuzz.database
	DB     *pg.Database
	Target *harness.Target // the admin's pool and the catalog
	app    *pgxpool.Pool   // the application role, traced
}

// Env is what the level-3 properties run against: one shared database and
// Dedicated dedicated ones, each on its own server, with the reference
// schema, plus the directory (control-plane) pool. Mutant selects a seeded
// defect of the router or the migration (nil: the reference).
type Env struct {
	Zone      string
	Shared    *Database
	Dedicated []*Database
	Mutant    *Mutant
	directory *pgxpool.Pool
}

// tierOverlay widens tenants.tier to any text in the level-3 databases: the
// router must refuse tiers outside the contract ('shared', 'dedicated'), as
// a schema without the CHECK (the founding guide's router tests for
// 'enterprise') would hold them.
const tierOverlay = "ALTER TABLE tenants DROP CONSTRAINT IF EXISTS tenants_tier_check;"

// NewEnv starts the shared and the dedicated databases (one server each),
// applies the reference schema to each, names each database on its server
// (ALTER DATABASE ... SET tenantfuzz.database) and opens the pools. Close
// stops everything; pg.CleanupAll does too if the caller dies first.
func NewEnv(ctx context.Context, opts EnvOptions) (*Env, error) {
	if opts.Dedicated <= 0 {
		opts.Dedicated = 2
	}
	if opts.Dedicated > 8 {
		return nil, fmt.Errorf("start level-3 env: %d dedicated databases asked, at most 8 are supported", opts.Dedicated)
	}
	if opts.Zone == "" {
		opts.Zone = DefaultZone
	}
	if opts.Start == nil {
		opts.Start = func(ctx context.Context) (*pg.Database, error) {
			return pg.StartEmbedded(ctx, pg.EmbeddedOptions{Logf: opts.Logf})
		}
	}
	e := &Env{Zone: opts.Zone}
	var err error
	if e.Shared, err = startDatabase(ctx, opts.Start, SharedDB); err != nil {
		return nil, err
	}
	for i := 1; i <= opts.Dedicated; i++ {
		d, err := startDatabase(ctx, opts.Start, fmt.Sprintf("dedicated-%d", i))
		if err != nil {
			e.Close()
			return nil, err
		}
		e.Dedicated = append(e.Dedicated, d)
	}
	cfg, err := pgxpool.ParseConfig(e.Shared.DB.DSN)
	if err == nil {
		cfg.MaxConns = 8
		cfg.ConnConfig.Tracer = tracer{db: SharedDB + " (directory)"}
		e.directory, err = pgxpool.NewWithConfig(ctx, cfg)
	}
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("open directory pool: %w", err)
	}
	return e, nil
}

// startDatabase starts one server, applies the schema and opens its
// application pool; on error it leaves nothing running.
func startDatabase(ctx context.Context, start func(context.Context) (*pg.Database, error), name string) (*Database, error) {
	db, err := start(ctx)
	if err != nil {
		return nil, fmt.Errorf("start %s database: %w", name, err)
	}
	d := &Database{Name: name, DB: db}
	if err := d.open(ctx); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *Database) open(ctx context.Context) error {
	tg, err := harness.Open(ctx, d.DB, harness.Config{Overlays: []harness.SQLFile{{Name: "router: tenants.tier accepts any text", SQL: tierOverlay}}})
	if err != nil {
		return fmt.Errorf("apply the reference schema to %s: %w", d.Name, err)
	}
	d.Target = tg
	if _, err := tg.Pool.Exec(ctx, "ALTER DATABASE "+catalog.QuoteIdent(d.DB.Name)+" SET tenantfuzz.database = "+catalog.QuoteLiteral(d.Name)); err != nil {
		return fmt.Errorf("name database %s: %w", d.Name, err)
	}
	cfg, err := pgxpool.ParseConfig(d.DB.DSN)
	if err != nil {
		return fmt.Errorf("parse %s dsn: %w", d.Name, err)
	}
	cfg.MaxConns, cfg.MinConns = 4, 0
	cfg.ConnConfig.Tracer = tracer{db: d.Name}
	role := tg.Config.AppRole
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// The application's login role as the session's own (RESET ROLE
		// cannot leave it); without superuser rights, SET ROLE.
		if _, err := c.Exec(ctx, "SET SESSION AUTHORIZATION "+catalog.QuoteIdent(role)); err != nil {
			_, err = c.Exec(ctx, "SET ROLE "+catalog.QuoteIdent(role))
			return err
		}
		return nil
	}
	cfg.PrepareConn = borrowCheck(d.Name)
	if d.app, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("open %s application pool: %w", d.Name, err)
	}
	return nil
}

func (d *Database) close() {
	if d.app != nil {
		d.app.Close()
	}
	if d.Target != nil {
		d.Target.Close()
	}
	if d.DB != nil {
		_ = d.DB.Close(context.Background())
	}
}

// Databases lists the shared database and then the dedicated ones.
func (e *Env) Databases() []*Database {
	return append([]*Database{e.Shared}, e.Dedicated...)
}

// Database returns the database of that name, or nil.
func (e *Env) Database(name string) *Database {
	for _, d := range e.Databases() {
		if d != nil && d.Name == name {
			return d
		}
	}
	return nil
}

// Close closes the pools and stops every server. Copies made by WithMutant
// share them: close only the original.
func (e *Env) Close() {
	if e.directory != nil {
		e.directory.Close()
	}
	for _, d := range e.Databases() {
		if d != nil {
			d.close()
		}
	}
}

// WithMutant returns a copy of the environment whose router or migration
// carries the mutant's defect (nil: the reference).
func (e *Env) WithMutant(m *Mutant) *Env {
	c := *e
	c.Mutant = m
	return &c
}

// resetPools drops every pooled connection, so a check starts as a fresh
// application would (no session state left by an earlier check).
func (e *Env) resetPools() {
	e.directory.Reset()
	for _, d := range e.Databases() {
		d.app.Reset()
	}
}

// NewRouter returns the router under test (the reference, or the mutant's
// variant) over the environment's pools, with the given host rules and
// dedicated registrations.
func (e *Env) NewRouter(enterpriseHosts, dedicated map[string]string) *Router {
	r := &Router{Zone: e.Zone, EnterpriseHosts: enterpriseHosts, Dedicated: dedicated, Directory: e.directory,
		Pools: map[string]*pgxpool.Pool{}, Hooks: Reference()}
	for _, d := range e.Databases() {
		r.Pools[d.Name] = d.app
	}
	if e.Mutant != nil && e.Mutant.router != nil {
		e.Mutant.router(r)
	}
	return r
}
