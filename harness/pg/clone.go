package pg

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
)

// clones are the databases Clone made from a database, closed before it.
type clones struct {
	sync.Mutex
	list   []*Database
	parent *Database // set on a clone
}

// Clone creates a copy of d on the same server with CREATE DATABASE ...
// TEMPLATE (a file copy: tens of milliseconds for a schema) and returns it.
// Nobody may be connected to d meanwhile (a PostgreSQL rule; it waits up to
// 5 s for sessions that are ending). The clone connects as d's admin role;
// roles are cluster-wide, so the clone's objects belong to the same roles
// as d's and it has d's RoleSuffix: nothing is renamed.
//
// A clone belongs to d: closing it drops it, and closing d closes its
// clones first (so a signal's CleanupAll, which closes d, leaves no clone
// behind and d's roles own nothing elsewhere when d drops them). Clone is
// safe to call from several goroutines only if nobody connects to d.
func (d *Database) Clone(ctx context.Context, suffix string) (*Database, error) {
	name := d.Name + "_" + suffix
	maint := d.maintDSN()
	conn, err := pgx.Connect(ctx, maint)
	if err != nil {
		return nil, fmt.Errorf("connect to clone %s: %w", d.Name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	c := &Database{Name: name, User: d.User, Superuser: d.Superuser, VersionNum: d.VersionNum, Version: d.Version,
		SharedServer: d.SharedServer, RoleSuffix: d.RoleSuffix, maint: d.maint, srv: d.srv}
	c.DSN, err = withDBName(d.DSN, name)
	if err != nil {
		return nil, fmt.Errorf("rebuild dsn: %w", err)
	}
	c.kids.parent = d
	c.closeFn = func(ctx context.Context) error {
		ctx, cancel := cleanupContext(ctx)
		defer cancel()
		return dropDatabase(ctx, maint, name, c.VersionNum)
	}
	d.kids.Lock()
	if d.closing {
		d.kids.Unlock()
		return nil, fmt.Errorf("clone %s: %w", d.Name, errShuttingDown)
	}
	d.kids.list = append(d.kids.list, c) // before it exists: a Close meanwhile drops it
	d.kids.Unlock()
	q := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{d.Name}.Sanitize())
	if _, err := conn.Exec(ctx, q); err != nil {
		_ = c.Close(ctx)
		return nil, fmt.Errorf("clone database %s: %w (nobody may be connected to it meanwhile)", d.Name, err)
	}
	return c, nil
}

// closeClones closes d's clones (before d itself).
func (d *Database) closeClones(ctx context.Context) error {
	d.kids.Lock()
	d.closing = true
	list := slices.Clone(d.kids.list)
	d.kids.Unlock()
	var first error
	for _, c := range list {
		if d.srv != nil && d.kids.parent == nil {
			c.closeOnce.Do(func() {}) // the server stops with d: its clones go with it
			continue
		}
		if err := c.Close(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// forget removes a closed clone from its parent's list.
func (d *Database) forget() {
	p := d.kids.parent
	if p == nil {
		return
	}
	p.kids.Lock()
	defer p.kids.Unlock()
	p.kids.list = slices.DeleteFunc(p.kids.list, func(c *Database) bool { return c == d })
}

// maintDSN is where d's server is administered from: the database the
// caller's connection string named (OpenDSN), else postgres.
func (d *Database) maintDSN() string {
	if d.maint != "" {
		return d.maint
	}
	return d.AdminDSN("postgres")
}

// dropDatabase drops name, ending its sessions.
func dropDatabase(ctx context.Context, dsn, name string, versionNum int) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to drop database %s: %w; drop it by hand", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{name}.Sanitize()
	if versionNum >= 130000 {
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
	} else {
		_, _ = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name)
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident)
	}
	if err != nil {
		return fmt.Errorf("drop database %s: %w; run DROP DATABASE %s by hand", name, err, ident)
	}
	return nil
}
