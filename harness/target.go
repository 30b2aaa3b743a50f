package harness

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/fixtures"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// DefaultContextSQL sets a tenant's context for the current transaction.
const DefaultContextSQL = "select set_config('app.tenant_id', $1, true)"

// Config describes the target under test.
type Config struct {
	Schema         []SQLFile // the schema; nil means the reference schema
	Overlays       []SQLFile // applied by the admin role after the schema, before any data
	AppRole        string    // default app_user
	TenantColumn   string    // default tenant_id
	Context        string    // context strategy name (see StrategyNames); default set_config, or sql when ContextSQL is set
	ContextSQL     string    // sets the context; $1 is the tenant id as text
	ContextSetting string    // the setting the context lives in, default from ContextSQL or app.tenant_id
	ShowValues     bool      // include database values in evidence
	// Supabase applies the Supabase shim (auth.uid(), auth.jwt(), the
	// anon/authenticated/service_role roles) before the schema.
	Supabase bool
	// Global and Owned override which tables belong to a tenant
	// (--global, --owned; see catalog.Options).
	Global, Owned []string
	// Membership is --membership 'TABLE(user_col, tenant_col)' (see
	// catalog.Options.Membership).
	Membership string

	// settingGuessed: ContextSetting was not given; Open reads it from
	// the functions --context-sql calls.
	settingGuessed bool
}

func (c *Config) defaults() error {
	if c.Schema == nil {
		s, err := ReferenceSchema()
		if err != nil {
			return err
		}
		c.Schema = s
	}
	if c.AppRole == "" {
		c.AppRole = "app_user"
	}
	if c.TenantColumn == "" {
		c.TenantColumn = "tenant_id"
	}
	if c.Context == "" {
		c.Context = "set_config"
		if c.ContextSQL != "" {
			c.Context = "sql"
		}
	}
	if _, err := StrategyByName(c.Context); err != nil {
		return err
	}
	if c.ContextSQL == "" {
		c.ContextSQL = DefaultContextSQL
	}
	if !strings.Contains(c.ContextSQL, "$1") {
		return fmt.Errorf("context sql %q has no $1: it must take the tenant id as parameter $1", c.ContextSQL)
	}
	if c.ContextSetting == "" {
		c.settingGuessed = true
		c.ContextSetting = "app.tenant_id"
		if m := settingRE.FindStringSubmatch(c.ContextSQL); m != nil {
			c.ContextSetting = m[1]
		}
	}
	return nil
}

var settingRE = regexp.MustCompile(`set_config\(\s*'([^']+)'`)

// Target is a database holding the schema under test, ready for checks.
type Target struct {
	DB      *pg.Database
	Pool    *pgxpool.Pool
	Catalog *catalog.Catalog
	Config  Config
	// Strategy sets tenant contexts (Config.Context).
	Strategy *Strategy
	Digest   string // sha256 of schema and overlays as written
	// Roles maps the role names written in the SQL to the names used on the
	// server (they differ only on a shared server, where they get a suffix).
	Roles map[string]string

	// large is the world BulkLoad committed, until DropBulk: small worlds
	// must not be inserted over it.
	large *BulkWorld
	diag  *diagnosis // set by Open; copies of the target share it
	// unsets holds the connections fail-closed's unset state runs on
	// (unsetconns.go); set by Open, shared by copies, one stash per pool.
	unsets *unsetRegistry
}

// ErrSchema marks errors in the schema or overlay SQL.
var ErrSchema = errors.New("schema error")

// Open applies the schema and overlays to db and reads the catalog.
func Open(ctx context.Context, db *pg.Database, cfg Config) (*Target, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	t := &Target{DB: db, Config: cfg, Roles: map[string]string{}, diag: &diagnosis{}, unsets: &unsetRegistry{}}
	t.Strategy, _ = StrategyByName(cfg.Context)
	all := append(append([]SQLFile{}, cfg.Schema...), cfg.Overlays...)
	if cfg.Supabase {
		if err := checkStorage(all); err != nil {
			return nil, err
		}
		all = append([]SQLFile{{Name: "fixtures/shims/supabase.sql", SQL: fixtures.SupabaseShim()}}, all...)
	}
	t.Digest = Digest(all)
	if db.SharedServer {
		t.Roles = suffixRoles(all, db.RoleSuffix)
		all = renameRoles(all, t.Roles)
		t.Config.AppRole = t.role(cfg.AppRole)
	}
	pcfg, err := pgxpool.ParseConfig(db.DSN)
	if err != nil {
		return nil, fmt.Errorf("parse target dsn: %w", err)
	}
	pcfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to target %s: %w", db.Redacted(), err)
	}
	t.Pool = pool
	for _, f := range all {
		if _, err := pool.Exec(ctx, f.SQL); err != nil {
			pool.Close()
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%w: apply %s %s: %s (SQLSTATE %s): fix the SQL and run again", ErrSchema, f.Name, errorLine(f.SQL, pe), pe.Message, pe.Code)
			}
			return nil, fmt.Errorf("apply %s: %w", f.Name, err)
		}
	}
	cat, err := catalog.Load(ctx, pool, catalog.Options{AppRole: t.Config.AppRole, TenantColumn: cfg.TenantColumn, Global: cfg.Global, Owned: cfg.Owned, Membership: cfg.Membership})
	if err != nil {
		pool.Close()
		return nil, err
	}
	if !hasTenantColumn(cat) {
		pool.Close()
		return nil, fmt.Errorf("%w: no table has the tenant column %q: pass --tenant-column with the column that holds the tenant id", ErrSchema, cfg.TenantColumn)
	}
	t.Catalog = cat
	if err := t.readContextSetting(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return t, nil
}

func hasTenantColumn(c *catalog.Catalog) bool {
	for _, r := range c.Relations {
		if r.IsTable() && r.TenantColumn != "" {
			return true
		}
	}
	return false
}

// Close releases the target's connections (the database itself belongs to
// its provider).
func (t *Target) Close() {
	t.closeUnset()
	if t.Pool != nil {
		t.Pool.Close()
	}
}

// role returns the server-side name of a role written in the SQL.
func (t *Target) role(name string) string {
	if r, ok := t.Roles[name]; ok {
		return r
	}
	return name
}

var createRoleRE = regexp.MustCompile(`(?i)\bcreate\s+(?:role|user|group)\s+("?)([A-Za-z_][A-Za-z0-9_$]*)`)

// suffixRoles finds the roles the SQL creates and gives each the suffix, so
// a run on a shared server never touches roles it did not create.
func suffixRoles(files []SQLFile, suffix string) map[string]string {
	m := map[string]string{}
	for _, f := range files {
		for _, g := range createRoleRE.FindAllStringSubmatch(f.SQL, -1) {
			m[g[2]] = g[2] + suffix
		}
	}
	return m
}

// renameRoles rewrites every whole-word occurrence of the renamed roles.
func renameRoles(files []SQLFile, roles map[string]string) []SQLFile {
	if len(roles) == 0 {
		return files
	}
	out := make([]SQLFile, len(files))
	for i, f := range files {
		sql := f.SQL
		for from, to := range roles {
			sql = regexp.MustCompile(`\b`+regexp.QuoteMeta(from)+`\b`).ReplaceAllString(sql, to)
		}
		out[i] = SQLFile{Name: f.Name, SQL: sql}
	}
	return out
}
