package router

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// recorder collects, for one request, every statement the router's pools
// sent (SQL text and arguments, by database) and the state of every
// connection it borrowed. The pools are the harness's: a router cannot
// send SQL around them.
type recorder struct {
	mu      sync.Mutex
	stmts   []statement
	borrows []borrow
	routed  int // statements sent before the router handed the request over
}

type statement struct {
	db, sql string
	args    []string
}

// borrow is what a connection carried when a request borrowed it.
type borrow struct {
	db, context, user string
}

type recorderKey struct{}

func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

func recorderFrom(ctx context.Context) *recorder {
	r, _ := ctx.Value(recorderKey{}).(*recorder)
	return r
}

func (r *recorder) statement(db, sql string, args []any) {
	s := statement{db: db, sql: sql}
	for _, a := range args {
		s.args = append(s.args, fmt.Sprint(a))
	}
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *recorder) statements() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]statement(nil), r.stmts...)
}

func (r *recorder) borrowed() []borrow {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]borrow(nil), r.borrows...)
}

// handedOver marks the end of the router's own statements.
func (r *recorder) handedOver() {
	r.mu.Lock()
	r.routed = len(r.stmts)
	r.mu.Unlock()
}

// script renders the statements as psql comment lines: the router's, then
// the request's own.
func (r *recorder) script() string {
	var b strings.Builder
	r.mu.Lock()
	routed := r.routed
	r.mu.Unlock()
	b.WriteString("-- The router sent, in order ([database] statement  $n=argument):\n")
	for i, s := range r.statements() {
		if i == routed {
			b.WriteString("-- and the request then ran:\n")
		}
		fmt.Fprintf(&b, "--   [%s] %s", s.db, sqltree.OneLine(s.sql, 0))
		for i, a := range s.args {
			fmt.Fprintf(&b, "  $%d=%s", i+1, catalog.QuoteLiteral(a))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// tracer records statements into the request's recorder (pgx QueryTracer
// and BatchTracer).
type tracer struct{ db string }

func (t tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if r := recorderFrom(ctx); r != nil {
		r.statement(t.db, d.SQL, d.Args)
	}
	return ctx
}

func (tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (t tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	if r := recorderFrom(ctx); r != nil {
		r.statement(t.db, d.SQL, d.Args)
	}
}

func (tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// borrowCheck is the application pools' PrepareConn hook: it reads the
// tenant context and role a connection carries as a request borrows it.
// Its own query is not recorded.
func borrowCheck(db string) func(context.Context, *pgx.Conn) (bool, error) {
	return func(ctx context.Context, c *pgx.Conn) (bool, error) {
		r := recorderFrom(ctx)
		if r == nil {
			return true, nil
		}
		var b borrow
		b.db = db
		err := c.QueryRow(withRecorder(ctx, nil), "SELECT coalesce(current_setting('app.tenant_id', true), ''), current_user::text").Scan(&b.context, &b.user)
		if err != nil {
			return false, fmt.Errorf("inspect borrowed connection on %s: %w", db, err)
		}
		r.mu.Lock()
		r.borrows = append(r.borrows, b)
		r.mu.Unlock()
		return true, nil
	}
}
