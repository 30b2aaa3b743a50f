package pg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// dsnEnv names the environment variable OpenDSN reads when given no DSN.
const dsnEnv = "TENANTFUZZ_DSN"

// runDBPrefix starts the name of every database OpenDSN creates.
const runDBPrefix = "tenantfuzz_"

// OpenDSN uses an existing server, which belongs to someone else. dsn is a
// libpq URL or keyword/value connection string ("" means $TENANTFUZZ_DSN);
// PG* environment variables fill in what it leaves out. OpenDSN connects,
// checks that the role may create databases and roles and bypass row-level
// security (errors wrap ErrPrivilege), and creates the database
// tenantfuzz_<8 random hex digits>. The returned Database connects to it with
// SharedServer set and RoleSuffix "_<the same hex>": every role the run
// creates must end with RoleSuffix, and Close drops the database and those
// roles, and nothing else.
func OpenDSN(ctx context.Context, dsn string) (*Database, error) {
	if dsn == "" {
		dsn = os.Getenv(dsnEnv)
	}
	if dsn == "" {
		return nil, fmt.Errorf("open dsn: no connection string: pass --dsn or set %s", dsnEnv)
	}
	return openDSN(ctx, dsn, randomHex(4))
}

// openDSN is OpenDSN with the random part of the names given.
func openDSN(ctx context.Context, dsn, hex string) (*Database, error) {
	installSignalHandler()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn %s: %s; check the spelling and quoting of each setting", RedactDSN(dsn), describeParseError(err))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w; check that the server runs and that host, port, user, password and database are right", RedactDSN(dsn), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var rp rolePrivileges
	var version string
	var versionNum int
	err = conn.QueryRow(ctx, `SELECT r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
			current_setting('server_version_num')::int, current_setting('server_version')
		FROM pg_roles r WHERE r.rolname = current_user`).
		Scan(&rp.name, &rp.super, &rp.createDB, &rp.createRole, &rp.bypassRLS, &versionNum, &version)
	if err != nil {
		return nil, fmt.Errorf("read role privileges: %w", err)
	}
	if err := rp.check(); err != nil {
		return nil, err
	}

	name := runDBPrefix + hex
	suffix := "_" + hex
	before, err := rolesWithSuffix(ctx, conn, suffix)
	if err != nil {
		return nil, err
	}
	newDSN, err := withDBName(dsn, name)
	if err != nil {
		return nil, fmt.Errorf("rebuild dsn: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	d := &Database{
		DSN:          newDSN,
		Name:         name,
		User:         rp.name,
		Superuser:    rp.super,
		VersionNum:   versionNum,
		SharedServer: true,
		RoleSuffix:   suffix,
		maint:        dsn,
	}
	d.Version, _, _ = strings.Cut(version, " ")
	d.closeFn = func(ctx context.Context) error {
		ctx, cancel := cleanupContext(ctx)
		defer cancel()
		return dropRun(ctx, dsn, name, suffix, before, versionNum)
	}
	if !register(d) {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("open dsn: %w", errShuttingDown)
	}
	return d, nil
}

// describeParseError explains a connection string parse error without
// repeating the connection string, which may hold a password.
func describeParseError(err error) string {
	var pce *pgconn.ParseConfigError
	if !errors.As(err, &pce) {
		return "invalid connection string"
	}
	var ue *url.Error
	if errors.As(pce, &ue) {
		ue.URL = "<dsn>"
	}
	c := *pce
	c.ConnString = "<dsn>"
	return c.Error()
}
