package pg

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// embeddedDB is the database StartEmbedded creates.
const embeddedDB = "tenantfuzz"

// EmbeddedOptions configures StartEmbedded. The zero value is ready to use.
type EmbeddedOptions struct {
	// BinDir is the directory holding postgres and initdb; when empty,
	// FindBinaries searches for one.
	BinDir string
	// CacheDir is where template data directories are cached; default
	// os.UserCacheDir()/tenantfuzz.
	CacheDir string
	// Logf, if set, receives progress messages.
	Logf func(format string, args ...any)
	// ExtraSettings are extra server settings (postgres -c name=value); they
	// override the defaults.
	ExtraSettings map[string]string
}

// StartEmbedded starts a private PostgreSQL server and creates the database
// "tenantfuzz" in it. The server listens only on a Unix socket in a fresh
// directory (under /dev/shm when possible), runs as the "postgres" OS user
// when we are root, and dies with this process. Its data directory is a copy
// of a template made by initdb once per PostgreSQL version and cached in
// CacheDir. The returned Database connects as the superuser postgres; Close
// stops the server and removes its directory.
func StartEmbedded(ctx context.Context, opts EmbeddedOptions) (*Database, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	installSignalHandler()
	binDir, err := FindBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	r, err := serverUser()
	if err != nil {
		return nil, err
	}
	sweepStale(logf)
	version, err := serverVersion(ctx, binDir)
	if err != nil {
		return nil, err
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		cacheDir = defaultCacheDir()
	}
	template, err := ensureTemplate(ctx, binDir, cacheDir, version, r, logf)
	if err != nil {
		return nil, err
	}
	dir, err := newInstanceDir()
	if err != nil {
		return nil, err
	}
	srv := &server{binDir: binDir, dir: dir, runAs: r, logf: logf}
	d := &Database{
		DSN:     srv.dsn(embeddedDB),
		Name:    embeddedDB,
		User:    "postgres",
		srv:     srv,
		closeFn: srv.stop,
	}
	if !register(d) {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("start embedded server: %w", errShuttingDown)
	}
	if err := startEmbedded(ctx, d, template, opts.ExtraSettings); err != nil {
		if cerr := d.Close(ctx); cerr != nil {
			err = fmt.Errorf("%w (and cleaning up: %v)", err, cerr)
		}
		return nil, err
	}
	logf("pg: PostgreSQL %s (pid %d) ready in %s", d.Version, srv.proc.pid(), dir)
	return d, nil
}

// startEmbedded fills d's instance directory, starts its server, waits for
// it and creates the database.
func startEmbedded(ctx context.Context, d *Database, template string, extra map[string]string) error {
	srv := d.srv
	if err := srv.prepare(template); err != nil {
		return err
	}
	if err := srv.start(extra); err != nil {
		return err
	}
	if err := srv.waitReady(ctx); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, srv.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("connect to new server: %w; the server log ends:\n%s", err, logTail(srv.logPath(), logTailLines))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version string
	err = conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int, current_setting('server_version'), rolsuper
		FROM pg_roles WHERE rolname = current_user`).Scan(&d.VersionNum, &version, &d.Superuser)
	if err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	d.Version, _, _ = strings.Cut(version, " ")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{embeddedDB}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w; the server log ends:\n%s", embeddedDB, err, logTail(srv.logPath(), logTailLines))
	}
	return nil
}

// instanceDir returns the directory an embedded server runs in, "" for
// OpenDSN databases.
func (d *Database) instanceDir() string {
	if d.srv == nil {
		return ""
	}
	return d.srv.dir
}
