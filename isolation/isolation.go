// Package isolation is tenantfuzz for a team's own Go tests: start a
// target from the team's schema (embedded PostgreSQL by default, an
// existing database by DSN, or a testcontainers-go container), run
// tenantfuzz's properties inside a plain testing.T with Check, and write
// hand-made regression tests with the Gomega matchers ConsistOfRowsOf,
// BeRefusedFor and OnlyReturnNamespace. The CLI (tenantfuzz export pgtap
// --regression) starts its targets through Start, so the two read the
// same options the same way.
//
// Limits: Check runs the SQL properties on the target (no vector store,
// pool or router properties: use `tenantfuzz run` for those); a target
// is one database, removed by Close.
package isolation

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// Options say what to stand up, with the meaning of the CLI flags of the
// same names (docs/flags.md).
type Options struct {
	// Schema is a .sql file or a directory of them applied in lexical
	// order (migrations); "" is tenantfuzz's reference schema.
	Schema string
	// Overlays are .sql files applied after the schema (--overlay).
	Overlays []string
	// Postgres is embedded (default: a private server from the local
	// PostgreSQL binaries), dsn (DSN, or $TENANTFUZZ_DSN: a fresh database
	// on that server, dropped by Close) or docker (testcontainers-go).
	Postgres string
	DSN      string
	// AppRole, TenantColumn, Context and ContextSQL as --app-role,
	// --tenant-column, --context and --context-sql; Supabase as --supabase.
	AppRole, TenantColumn, Context, ContextSQL string
	Supabase                                   bool
	// Global and Owned as --global and --owned: tables every tenant may
	// read, and tables owned through a foreign key.
	Global, Owned []string
}

// Target is a started target: the schema applied to a database of its own.
type Target struct {
	*harness.Target
	db   *pg.Database
	opts Options
}

// ErrUnavailable wraps errors that mean the provider is missing (no
// PostgreSQL binaries, no Docker engine): StartT skips on them.
var ErrUnavailable = errors.New("database provider unavailable")

// Start stands up the target. Close it when done.
func Start(ctx context.Context, o Options) (*Target, error) {
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	db, err := o.database(ctx)
	if err != nil {
		return nil, err
	}
	tg, err := harness.Open(ctx, db, cfg)
	if err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	return &Target{Target: tg, db: db, opts: o}, nil
}

// StartT is Start for a test: it skips the test when the provider is
// unavailable, fails it on other errors, and closes the target at cleanup.
func StartT(t testing.TB, o Options) *Target {
	t.Helper()
	tg, err := Start(context.Background(), o)
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return tg
}

// Close releases the connections and removes the database.
func (t *Target) Close() {
	t.Target.Close()
	_ = t.db.Close(context.Background())
}

func (o Options) config() (harness.Config, error) {
	cfg := harness.Config{AppRole: o.AppRole, TenantColumn: o.TenantColumn, Context: o.Context, ContextSQL: o.ContextSQL, Supabase: o.Supabase,
		Global: o.Global, Owned: o.Owned}
	if o.Supabase {
		if cfg.AppRole == "" {
			cfg.AppRole = "authenticated"
		}
		if cfg.Context == "" && cfg.ContextSQL == "" {
			cfg.Context = "supabase"
		}
	}
	if o.Schema != "" {
		s, err := harness.LoadSchema(o.Schema)
		if err != nil {
			return cfg, err
		}
		cfg.Schema = s
	}
	ov, err := harness.LoadFiles(o.Overlays)
	if err != nil {
		return cfg, err
	}
	cfg.Overlays = ov
	return cfg, nil
}

func (o Options) database(ctx context.Context) (*pg.Database, error) {
	provider := o.Postgres
	if provider == "" {
		provider = "embedded"
		if o.DSN != "" {
			provider = "dsn"
		}
	}
	switch provider {
	case "embedded":
		db, err := pg.StartEmbedded(ctx, pg.EmbeddedOptions{})
		if errors.Is(err, pg.ErrNoBinaries) {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return db, err
	case "dsn":
		return pg.OpenDSN(ctx, o.DSN)
	case "docker":
		db, err := pg.StartDocker(ctx, pg.DockerOptions{})
		if errors.Is(err, pg.ErrNoDocker) {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return db, err
	}
	return nil, fmt.Errorf("postgres %q: use embedded, dsn or docker", provider)
}

// ReplayBase is the `tenantfuzz replay` command that stands up the same
// target: the replay lines of Check's findings start with it.
func (t *Target) ReplayBase() string {
	b := "tenantfuzz replay"
	o := t.opts
	add := func(flag, v string) {
		if v != "" {
			b += " " + flag + " " + harness.ShellQuote(v)
		}
	}
	add("--schema", o.Schema)
	for _, ov := range o.Overlays {
		add("--overlay", ov)
	}
	if o.Postgres == "docker" {
		add("--postgres", "docker")
	}
	if o.DSN != "" {
		b += ` --dsn "$TENANTFUZZ_DSN"`
	}
	add("--app-role", o.AppRole)
	add("--tenant-column", o.TenantColumn)
	add("--context", o.Context)
	add("--context-sql", o.ContextSQL)
	if o.Supabase {
		b += " --supabase"
	}
	for _, g := range o.Global {
		add("--global", g)
	}
	for _, g := range o.Owned {
		add("--owned", g)
	}
	return b
}
