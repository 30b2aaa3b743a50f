package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// KindContextLeak: a pooled connection handed to a request still carried
// another request's tenant context (setting or role).
const KindContextLeak Kind = "context-leak"

// PoolIsolation is the property (model-based, a rapid state machine): a
// pgxpool of the application role with few connections (exactly one, so
// that every request lands on the same backend, and several under
// concurrency) serves interleaved requests of many tenants: requests that
// set the context through the strategy and commit, requests that set none
// (a background job, a forgotten code path), requests that fail and roll
// back, requests that set a context inside a savepoint they roll back, and
// bursts of concurrent requests. pgx reuses prepared statements per
// connection, so plans are shared across tenants. After every action:
//   - at the start of each borrow the connection carries no tenant context
//     (the strategy's settings are unset or empty, the role is the login role);
//   - a request without context sees no tenant rows;
//   - a request for T sees exactly T's rows (the model's count, all T's).
//
// A request whose statement the system refuses (policies that raise on a
// missing or empty context: 42704, 22P02; a privilege error) fails closed:
// a pass for that request. Its transaction is rolled back, the connection
// goes back to the pool and the next borrow is checked as any other.
// Only errors the harness caused are errors: a lost connection, or a
// statement that fails for the admin role too. A borrow that finds another
// tenant's context is a context-leak even where a fresh session raises
// (session-level setters with policies that read the setting without
// missing_ok): its evidence is what a request that sets no context reads
// on that connection.
//
// Backends are identified with pg_backend_pid(); the coverage counted is
// requests that landed on a backend another tenant used before. Limits:
// with several connections the interleaving depends on the scheduler, so
// only the draws (not the backend assignment) replay from the seed; the
// pool of one is fully deterministic.
var PoolIsolation = &Property{
	Name:    "pool-isolation",
	Title:   "a pooled connection never carries a tenant's context to the next request",
	Labels:  []string{"context", "pool", "soc2:CC6.1"},
	control: true,
	// The role-per-tenant strategy needs an authenticator role that may
	// become each tenant role; the pool property does not model it.
	Plain: func(tg *Target) []string {
		if tg.Strategy.Role != nil {
			return nil
		}
		return []string{"pool-1", "pool-4"}
	},
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		size := 1
		if subj.Name == "pool-4" {
			size = 4
		}
		return func(rt *rapid.T) {
			if st.Expired(opts.Deadline) {
				return
			}
			w := generators.WorldGen(tg.Catalog, opts.World).Draw(rt, "world")
			m, err := tg.newPoolModel(ctx, w, size)
			if err != nil {
				st.Fail(rt, nil, err)
				return
			}
			defer m.closeOnFailure(ctx, st) // a failing check or a panic mid-draw
			rt.Repeat(m.actions(ctx, rt, st, size > 1))
			st.Count(m.stats)
			if err := m.close(ctx); err != nil {
				st.Fail(rt, nil, err)
			}
		}
	},
}

// poolModel is the state machine's state: the committed world, the pool,
// which tenant each backend served last, and the request log for scripts.
type poolModel struct {
	tg       *Target
	w        *generators.World
	pool     *pgxpool.Pool
	rels     []*catalog.Relation
	mu       sync.Mutex
	lastUser map[uint32]int // backend pid -> tenant of its last request (-1: none)
	stats    Stats
	log      map[uint32][]string // backend pid -> the requests it served, as psql lines
	settings []string            // the settings inspected at every borrow (borrowSettings)
	undo     func(context.Context) error
}

// newPoolModel commits the world (as the admin role) and opens a pool of
// the application role.
func (tg *Target) newPoolModel(ctx context.Context, w *generators.World, size int) (*poolModel, error) {
	undo, _, err := tg.commitWorld(ctx, w) // refused rows leave the world (the model counts what was inserted)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(tg.DB.DSN)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("parse dsn: %w", err), undo(ctx))
	}
	cfg.MaxConns, cfg.MinConns = int32(size), 0
	role := tg.Config.AppRole
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// The application's login role, as a session default that RESET ROLE
		// returns to (a login as the role itself would need its password).
		// Without superuser rights, SET ROLE is the closest.
		if _, err := c.Exec(ctx, "SET SESSION AUTHORIZATION "+catalog.QuoteIdent(role)); err != nil {
			_, err = c.Exec(ctx, "SET ROLE "+catalog.QuoteIdent(role))
			return err
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open application pool: %w", err), undo(ctx))
	}
	settings, err := tg.borrowSettings(ctx)
	if err != nil {
		pool.Close()
		return nil, errors.Join(fmt.Errorf("read the settings the policies read: %w", err), undo(ctx))
	}
	m := &poolModel{tg: tg, w: w, pool: pool, undo: undo, lastUser: map[uint32]int{}, log: map[uint32][]string{}, settings: settings, stats: Stats{Checks: 1, Tenants: len(w.Tenants), WorldRows: len(w.Rows)}}
	for _, r := range tg.Catalog.TenantTables() {
		if r.Priv.Select && (r.TenantColumn != "" || r == tg.Catalog.TenantsTable) {
			m.rels = append(m.rels, r)
		}
	}
	return m, nil
}

// close closes the pool and deletes the committed world (commitWorld's
// undo): the property leaves the database as it found it.
func (m *poolModel) close(ctx context.Context) error {
	m.pool.Close()
	undo := m.undo
	if undo == nil {
		return nil // closed already
	}
	m.undo = nil
	return undo(ctx)
}

// closeOnFailure closes a model a failing check left open; a world it
// could not delete is the run's error (later checks would meet its rows).
func (m *poolModel) closeOnFailure(ctx context.Context, st *CheckState) {
	if err := m.close(ctx); err != nil && st.setupErr == nil {
		st.setupErr = err
	}
}

// request is one drawn request: which tenant (-1: none), what it reads,
// and how it ends.
type request struct {
	tenant    int
	rel       *catalog.Relation
	fail      bool // fails mid-transaction and rolls back
	savepoint int  // >= 0: sets this tenant's context inside a savepoint it rolls back
}

func (m *poolModel) drawRequest(rt *rapid.T, kind string) request {
	r := request{tenant: -1, savepoint: -1, rel: rapid.SampledFrom(m.rels).Draw(rt, "relation")}
	if kind != "no-context" {
		r.tenant = rapid.IntRange(0, len(m.w.Tenants)-1).Draw(rt, "tenant")
	}
	switch kind {
	case "failing":
		r.fail = true
	case "savepoint":
		r.savepoint = rapid.IntRange(0, len(m.w.Tenants)-1).Draw(rt, "savepoint tenant")
	}
	return r
}

func (m *poolModel) actions(ctx context.Context, rt *rapid.T, st *CheckState, concurrent bool) map[string]func(*rapid.T) {
	do := func(kind string) func(*rapid.T) {
		return func(rt *rapid.T) {
			if f, err := m.serve(ctx, m.drawRequest(rt, kind)); err != nil || f != nil {
				st.Count(m.stats)
				st.Fail(rt, f, err)
			}
		}
	}
	acts := map[string]func(*rapid.T){
		"request":    do("request"),
		"no-context": do("no-context"),
		"failing":    do("failing"),
		"savepoint":  do("savepoint"),
	}
	if concurrent {
		acts["burst"] = func(rt *rapid.T) {
			n := rapid.IntRange(2, 6).Draw(rt, "burst size")
			reqs := make([]request, n)
			for i := range reqs {
				reqs[i] = m.drawRequest(rt, rapid.SampledFrom([]string{"request", "no-context", "failing", "savepoint"}).Draw(rt, "burst request"))
			}
			type out struct {
				f   *Finding
				err error
			}
			outs := make([]out, n)
			var wg sync.WaitGroup
			for i, r := range reqs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					f, err := m.serve(ctx, r)
					outs[i] = out{f, err}
				}()
			}
			wg.Wait()
			for _, o := range outs {
				if o.err != nil || o.f != nil {
					st.Count(m.stats)
					st.Fail(rt, o.f, o.err)
				}
			}
		}
	}
	return acts
}
