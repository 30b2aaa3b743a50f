package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// unsetConns keeps the connections on which the "never set" state runs
// (ctxUnset: the context never set on this connection, so
// current_setting(name, true) reads NULL). Once a session sets a custom
// setting, even transaction-locally in a transaction rolled back,
// PostgreSQL keeps a placeholder that reads the empty string for the rest of the session:
// no command removes it. So these connections run nothing but the unset
// state, and each is kept for another check only when, after its check's
// transaction was rolled back, every setting that could hold a context
// (unsetSettings) still reads NULL on it. A connection where anything set
// one (a statement, a trigger of the world's inserts, a function called by
// a policy) is closed, as is one whose check failed in any way.
//
// Property kept: a check's unset state runs on a connection that is new,
// or on which every earlier use ran only the unset state and was verified
// unset afterwards. Limits: a setting whose name is built at run time
// (format('app.%s', ...)) is not in the list (the context diagnosis says
// it is undecided then); and session state that is not a setting
// (currval of a sequence, advisory locks, a prepared statement's cached
// plan) carries over as it does on any pooled connection.
type unsetConns struct {
	mu sync.Mutex
	// pool is the target pool whose connection settings they use.
	pool   *pgxpool.Pool
	idle   []*pgx.Conn
	closed bool
	// settings is what is verified after each use (unsetSettings);
	// verified is false when they could not be listed: nothing is kept.
	settings []string
	verified bool
}

// unsetUsed, when set (tests), is told the backend of every connection an
// unset state ran on, and whether it was found still unset after.
var unsetUsed func(pid uint32, unset bool)

// maxIdleUnset bounds the connections kept: checks on one target run one
// at a time, a second one covers a target shared by a few goroutines.
const maxIdleUnset = 2

// unsetRegistry holds a target's stashes, one per pool: copies of a
// target share the registry (as they share the diagnosis), and a copy with
// another pool (a clone, a traced copy) gets connections of its own.
type unsetRegistry struct {
	mu     sync.Mutex
	byPool map[*pgxpool.Pool]*unsetConns
}

// unsetStash returns the stash of the target's pool, making it on first
// use; nil for a target Open did not make (each check then opens a
// connection and closes it).
func (tg *Target) unsetStash(ctx context.Context) *unsetConns {
	r := tg.unsets
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if u := r.byPool[tg.Pool]; u != nil {
		return u
	}
	// Without the settings to verify (the diagnosis failed), no
	// connection is kept: a new one per check, as safe as before.
	settings, err := tg.unsetSettings(ctx)
	if r.byPool == nil {
		r.byPool = map[*pgxpool.Pool]*unsetConns{}
	}
	u := &unsetConns{pool: tg.Pool, settings: settings, verified: err == nil}
	r.byPool[tg.Pool] = u
	return u
}

// unsetSettings is every custom setting that can hold a context: those the
// strategy sets and those the policies read, directly or through the
// functions they call (borrowSettings). Built-in settings (names without a
// dot) always have a value and are restored by the rollback: they are not
// "set or not".
func (tg *Target) unsetSettings(ctx context.Context) ([]string, error) {
	all, err := tg.borrowSettings(ctx)
	if err != nil {
		return nil, fmt.Errorf("settings to verify unset: %w", err)
	}
	var out []string
	for _, s := range all {
		if custom(s) {
			out = append(out, strings.ToLower(s))
		}
	}
	return out, nil
}

// get returns an idle connection, or a new one.
func (u *unsetConns) get(ctx context.Context) (*pgx.Conn, error) {
	u.mu.Lock()
	if n := len(u.idle); n > 0 {
		c := u.idle[n-1]
		u.idle = u.idle[:n-1]
		u.mu.Unlock()
		return c, nil
	}
	u.mu.Unlock()
	// The pool's connection settings: the DSN parsed once, and any tracer.
	c, err := pgx.ConnectConfig(ctx, u.pool.Config().ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("connect to target: %w", err)
	}
	return c, nil
}

// put takes a connection back after its check's transaction ended. used
// is false when the check failed before or during its transaction (the
// connection is closed then). Otherwise it is kept only if every setting
// still reads NULL on it.
func (u *unsetConns) put(ctx context.Context, c *pgx.Conn, used bool) {
	ctx = context.WithoutCancel(ctx)
	keep := used && u.verified && !c.IsClosed() && c.PgConn().TxStatus() == 'I' && u.stillUnset(ctx, c)
	if unsetUsed != nil {
		unsetUsed(c.PgConn().PID(), keep)
	}
	u.mu.Lock()
	if keep && !u.closed && len(u.idle) < maxIdleUnset {
		u.idle = append(u.idle, c)
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	_ = c.Close(ctx)
}

// stillUnset reports whether every setting reads NULL on c (false when
// the query fails).
func (u *unsetConns) stillUnset(ctx context.Context, c *pgx.Conn) bool {
	if len(u.settings) == 0 {
		return true
	}
	var unset bool
	err := c.QueryRow(ctx, "SELECT bool_and(current_setting(s, true) IS NULL) FROM unnest($1::text[]) s", u.settings).Scan(&unset)
	return err == nil && unset
}

// close closes the idle connections; connections in use are closed when
// put back.
func (u *unsetConns) close() {
	u.mu.Lock()
	idle := u.idle
	u.idle, u.closed = nil, true
	u.mu.Unlock()
	for _, c := range idle {
		_ = c.Close(context.Background())
	}
}

// closeUnset closes the unset connections of the target's pool.
func (tg *Target) closeUnset() {
	r := tg.unsets
	if r == nil {
		return
	}
	r.mu.Lock()
	u := r.byPool[tg.Pool]
	delete(r.byPool, tg.Pool)
	r.mu.Unlock()
	if u != nil {
		u.close()
	}
}
