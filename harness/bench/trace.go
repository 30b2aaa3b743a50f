package bench

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// recorder is a pgx tracer that keeps every query the harness sends, in
// order, for a pgbench script. It expects one connection at a time.
type recorder struct {
	mu      sync.Mutex
	queries []tracedQuery
}

type recorderKey struct{}

// TraceQueryStart implements pgx.QueryTracer.
func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, tracedQuery{SQL: d.SQL, Args: append([]any(nil), d.Args...)})
	return context.WithValue(ctx, recorderKey{}, len(r.queries)-1)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (r *recorder) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	i, ok := ctx.Value(recorderKey{}).(int)
	if !ok || d.Err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i < len(r.queries) {
		r.queries[i].Err = true
	}
}

// take returns the queries recorded since the last take.
func (r *recorder) take() []tracedQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// phase is where a check spends its database time.
type phase int

const (
	phaseSetup     phase = iota // transaction, world insert, tenant context
	phaseStatement              // the generated statements, as the tenant
	phaseOracle                 // the oracles' queries: as the admin, restricted, digests
	numPhases
)

// phaseClock is a pgx tracer that adds up the time of each query (sent to
// answer received, as the client sees it) by phase, recognising the
// harness's queries by their text. A batch of statement runs sent in one
// round trip is split between statement and oracle by its number of runs
// of each: the tenant's runs (a savepoint, then SET LOCAL ROLE) against the
// admin's.
type phaseClock struct {
	mu    sync.Mutex
	spent [numPhases]time.Duration
	block map[*pgx.Conn]phase // phase of the open per-write savepoint
}

type clockKey struct{}

type clockStart struct {
	at     time.Time
	shares [numPhases]float64
}

func newPhaseClock() *phaseClock { return &phaseClock{block: map[*pgx.Conn]phase{}} }

// TraceQueryStart implements pgx.QueryTracer.
func (c *phaseClock) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	shares := c.classify(conn, d.SQL)
	c.mu.Unlock()
	return context.WithValue(ctx, clockKey{}, clockStart{time.Now(), shares})
}

// TraceQueryEnd implements pgx.QueryTracer.
func (c *phaseClock) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	s, ok := ctx.Value(clockKey{}).(clockStart)
	if !ok {
		return
	}
	d := time.Since(s.at)
	c.mu.Lock()
	for p, share := range s.shares {
		c.spent[p] += time.Duration(share * float64(d))
	}
	c.mu.Unlock()
}

// stmtRunMark starts every statement run of a batch; appRunMark those run
// as the tenant.
const (
	stmtRunMark = "SAVEPOINT tf_stmt"
	appRunMark  = "SAVEPOINT tf_stmt;\nSET LOCAL ROLE"
)

// classify returns how a query's time splits between phases; c.mu is held.
func (c *phaseClock) classify(conn *pgx.Conn, sql string) (shares [numPhases]float64) {
	one := func(p phase) [numPhases]float64 {
		shares[p] = 1
		return shares
	}
	if runs := strings.Count(sql, stmtRunMark) - strings.Count(sql, "TO "+stmtRunMark); runs > 0 {
		app := strings.Count(sql, appRunMark)
		shares[phaseStatement] = float64(app) / float64(runs)
		shares[phaseOracle] = 1 - shares[phaseStatement]
		return shares
	}
	switch {
	case strings.HasPrefix(sql, "SAVEPOINT tf_write"):
		c.block[conn] = phaseStatement
		return one(phaseStatement)
	case strings.HasPrefix(sql, "ROLLBACK TO SAVEPOINT tf_write"):
		delete(c.block, conn)
		return one(phaseStatement)
	case strings.Contains(sql, "string_agg(t::text"):
		return one(phaseOracle) // per-tenant digests
	case setupQuery(sql):
		return one(phaseSetup)
	}
	if p, ok := c.block[conn]; ok {
		return one(p)
	}
	return one(phaseStatement)
}

// setupPrefixes start the queries of a check's set-up: the transaction,
// the world's insert and the tenant context.
var setupPrefixes = []string{"begin", "rollback", "commit", "SET LOCAL statement_timeout", "SAVEPOINT tf_world",
	"ROLLBACK TO SAVEPOINT tf_world", "SAVEPOINT tf_row", "ROLLBACK TO SAVEPOINT tf_row", "REFRESH MATERIALIZED VIEW",
	"SAVEPOINT tf_ctx", "RELEASE SAVEPOINT tf_ctx", "ROLLBACK TO SAVEPOINT tf_ctx", "RESET ROLE", "select set_config",
	"SET LOCAL ", "SET "}

func setupQuery(sql string) bool {
	for _, p := range setupPrefixes {
		if len(sql) >= len(p) && strings.EqualFold(sql[:len(p)], p) {
			return true
		}
	}
	return false
}

// reset returns the time spent per phase so far and starts again.
func (c *phaseClock) reset() [numPhases]time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.spent
	c.spent = [numPhases]time.Duration{}
	c.block = map[*pgx.Conn]phase{}
	return s
}
