package pg

import (
	"context"
	"sync"
	"time"
)

// closeTimeout bounds the work Close does once it has started.
const closeTimeout = 30 * time.Second

// Database is one database that belongs to a tenantfuzz run. The harness may
// do anything in it.
type Database struct {
	// DSN is a keyword/value or URL connection string that connects as an
	// admin role (a superuser for embedded servers) to this database. It is
	// secret-bearing: never log it; use Redacted.
	DSN string
	// Name is the database name.
	Name string
	// User is the admin role name DSN connects as.
	User string
	// Superuser reports whether User is a superuser.
	Superuser bool
	// VersionNum is the server's server_version_num, e.g. 150018.
	VersionNum int
	// Version is the server's version, e.g. "15.18".
	Version string
	// SharedServer is true when the server is someone else's (OpenDSN): roles
	// the run creates must then carry RoleSuffix so that Close can find them.
	SharedServer bool
	// RoleSuffix is "" for embedded servers and "_<random hex>" (the same
	// random hex as in Name) for OpenDSN.
	RoleSuffix string

	closeFn   func(ctx context.Context) error
	closeOnce sync.Once
	closeErr  error

	// srv is the embedded server behind this database, nil for OpenDSN.
	srv *server
	// maint, when set, is the caller's connection string (OpenDSN): Clone
	// creates and drops clones from there.
	maint   string
	kids    clones
	closing bool // Close has begun: no more clones (under kids' lock)
}

// Close releases everything the run holds: for an embedded server it stops
// the server and removes all its directories; for OpenDSN it drops the
// database (terminating its other connections) and the roles created during
// the run whose names end with RoleSuffix.
//
// Close is idempotent and safe to call from several goroutines; later calls
// wait for the first and return its result. Cancelling ctx only shortens the
// graceful part of a shutdown: Close never gives up on cleanup because ctx is
// done, and bounds its own work instead.
func (d *Database) Close(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	d.closeOnce.Do(func() {
		cerr := d.closeClones(ctx)
		if d.closeFn != nil {
			d.closeErr = d.closeFn(ctx)
		}
		if d.closeErr == nil {
			d.closeErr = cerr
		}
		unregister(d)
		d.forget()
	})
	return d.closeErr
}

// Redacted returns DSN with any password replaced by "xxxxx"; it is safe to
// log.
func (d *Database) Redacted() string {
	return RedactDSN(d.DSN)
}

// AdminDSN returns a connection string for the same server and admin role as
// DSN but for the database dbname, e.g. "postgres" or "template1" to run
// CREATE DATABASE ... TEMPLATE. Like DSN it is secret-bearing.
func (d *Database) AdminDSN(dbname string) string {
	s, err := withDBName(d.DSN, dbname)
	if err != nil {
		// DSN was built or validated by this package, so it always parses.
		panic("pg: rebuild dsn: " + err.Error())
	}
	return s
}

// cleanupContext derives the context Close works under: values from ctx, but
// not its cancellation, and a bound of its own.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
}
