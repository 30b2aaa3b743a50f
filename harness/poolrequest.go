package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// serve runs one request on a borrowed connection and checks it: first the
// borrow (no context left behind), then the request's own rows.
func (m *poolModel) serve(ctx context.Context, r request) (*Finding, error) {
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire: %w", err)
	}
	defer conn.Release()
	pid, dirty, err := m.inspect(ctx, conn)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	prev, seen := m.lastUser[pid]
	m.lastUser[pid] = r.tenant
	m.stats.Statements++
	if seen && prev != r.tenant {
		m.stats.Reached++ // another tenant's backend: a leak would show here
	}
	m.mu.Unlock()
	if len(dirty) > 0 {
		return m.leakFinding(ctx, conn, pid, r, prev, dirty), nil
	}
	got, refused, err := m.run(ctx, conn, r)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.stats.Rows += len(got)
	m.mu.Unlock()
	if refused == nil && !r.fail {
		if f := m.verify(r, pid, got); f != nil {
			return f, nil
		}
		if r.tenant >= 0 && len(got) > 0 {
			m.mu.Lock()
			m.stats.sawOwn() // verified: exactly its rows, some of them
			m.mu.Unlock()
		}
	}
	m.mu.Lock()
	m.log[pid] = append(m.log[pid], m.requestScript(r, refused))
	m.mu.Unlock()
	return nil, nil
}

// inspect reads the borrowed connection's backend and any tenant context
// left on it (a role other than the login role, a non-empty setting).
func (m *poolModel) inspect(ctx context.Context, conn *pgxpool.Conn) (uint32, []string, error) {
	tg := m.tg
	var pid uint32
	var user string
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid(), current_user").Scan(&pid, &user); err != nil {
		return 0, nil, fmt.Errorf("inspect connection: %w", err)
	}
	var dirty []string
	if user != tg.Config.AppRole {
		dirty = append(dirty, "current_user = "+user)
	}
	for _, s := range m.settings {
		var v string
		if err := conn.QueryRow(ctx, "SELECT coalesce(current_setting($1, true), '')", s).Scan(&v); err != nil {
			return 0, nil, fmt.Errorf("inspect connection: %w", err)
		}
		if v != "" {
			dirty = append(dirty, s+" = "+v)
		}
	}
	return pid, dirty, nil
}

// run executes the request's transaction and always ends it, so the
// connection goes back to the pool idle (pgxpool would otherwise destroy it
// and hide what the next borrow inherits). refused is set when the system
// refused the request's read (it fails closed: a pass); err only for what
// the harness caused.
func (m *poolModel) run(ctx context.Context, conn *pgxpool.Conn, r request) (got []string, refused *pgconn.PgError, err error) {
	tg := m.tg
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if r.tenant >= 0 {
		if err := tg.Strategy.Set(ctx, tx, tg, m.w.TenantID(r.tenant)); err != nil {
			return nil, nil, fmt.Errorf("set context of %s with %s: %w (check --context/--context-sql and that %s may run it)", m.w.Tenants[r.tenant].Label, tg.Strategy.Name, err, tg.Config.AppRole)
		}
	}
	if r.savepoint >= 0 {
		if _, err := tx.Exec(ctx, "SAVEPOINT inner_work"); err != nil {
			return nil, nil, fmt.Errorf("savepoint: %w", err)
		}
		if err := tg.Strategy.Set(ctx, tx, tg, m.w.TenantID(r.savepoint)); err != nil {
			return nil, nil, fmt.Errorf("set context of %s inside a savepoint with %s: %w", m.w.Tenants[r.savepoint].Label, tg.Strategy.Name, err)
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT inner_work"); err != nil {
			return nil, nil, fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	sql := poolReadSQL(r)
	rows, err := tx.Query(ctx, sql)
	if err == nil {
		got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		refused, err = m.refusal(ctx, sql, err)
		return nil, refused, err
	}
	if r.fail {
		_, _ = tx.Exec(ctx, "SELECT 1/0")
		if err := tx.Rollback(ctx); err != nil {
			return nil, nil, fmt.Errorf("roll back failed request: %w", err)
		}
		return got, nil, nil
	}
	if err := tx.Commit(ctx); err != nil {
		// A commit that became a rollback ends a transaction the system
		// refused; anything else (a lost connection) is the harness's.
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return nil, pe, nil
		}
		return nil, nil, fmt.Errorf("commit: %w", err)
	}
	return got, nil, nil
}

// refusal sorts a failed read: an error the server raised for a statement
// the admin role runs fine is a refusal (the request failed closed);
// anything else (a lost connection, a statement wrong for the admin too)
// is a harness error.
func (m *poolModel) refusal(ctx context.Context, sql string, err error) (*pgconn.PgError, error) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil, fmt.Errorf("read on a pooled connection: %w", err)
	}
	if _, aerr := m.tg.Pool.Exec(ctx, sql); aerr != nil {
		return nil, fmt.Errorf("read as the admin role: %w (the harness's statement %q is wrong for this schema)", aerr, sql)
	}
	m.mu.Lock()
	m.stats.reject(err)
	m.mu.Unlock()
	return pe, nil
}

// verify checks what a request that ran to its end read: no rows without
// context, and exactly its own rows with context.
func (m *poolModel) verify(r request, pid uint32, got []string) *Finding {
	want := 0
	for _, row := range m.w.RowsOf(r.rel) {
		if row.Tenant == r.tenant {
			want++
		}
	}
	for _, v := range got {
		if r.tenant < 0 || v != m.w.TenantID(r.tenant) {
			kind := KindCrossTenantRead
			if r.tenant < 0 {
				kind = KindFailOpenRead
			}
			other := -1
			for _, o := range m.w.Owners(v) {
				if o != r.tenant {
					other = o
					break
				}
			}
			return m.finding(kind, pid, r, other, fmt.Sprintf("%s returned a row of %s", r.rel, m.valueLabel(v)))
		}
	}
	if r.tenant >= 0 && len(got) != want {
		return m.finding(KindOverFiltering, pid, r, -1, fmt.Sprintf("%s returned %d of the tenant's %d rows", r.rel, len(got), want))
	}
	return nil
}

// leakFinding reports a borrow that found another request's context, with
// what a request that sets no context reads on that connection (in a
// transaction it rolls back): the rows the stale context hands out.
func (m *poolModel) leakFinding(ctx context.Context, conn *pgxpool.Conn, pid uint32, r request, prev int, dirty []string) *Finding {
	probe := request{tenant: -1, savepoint: -1, rel: m.leakRelation(r.rel, prev)}
	what := "a connection borrowed from the pool carries " + strings.Join(dirty, ", ")
	var more []string
	if e := m.contextlessRead(ctx, conn, probe); e != "" {
		more = append(more, e)
	}
	return m.finding(KindContextLeak, pid, probe, prev, what, more...)
}

// leakRelation picks the relation the leak is shown on: the request's, if
// the previous tenant has rows there, else the first that holds some.
func (m *poolModel) leakRelation(rel *catalog.Relation, prev int) *catalog.Relation {
	has := func(rel *catalog.Relation) bool {
		for _, row := range m.w.RowsOf(rel) {
			if row.Tenant == prev {
				return true
			}
		}
		return false
	}
	if prev < 0 || has(rel) {
		return rel
	}
	for _, o := range m.rels {
		if has(o) {
			return o
		}
	}
	return rel
}

// labelOf names a tenant (-1: no context).
func (m *poolModel) labelOf(tenant int) string {
	if tenant < 0 {
		return "no context"
	}
	return m.w.Tenants[tenant].Label
}

// valueLabel names the tenant a returned tenant id belongs to, with the id.
func (m *poolModel) valueLabel(v string) string {
	if owners := m.w.Owners(v); len(owners) > 0 {
		return m.labelOf(owners[0]) + " (" + v + ")"
	}
	return v
}

// contextlessRead reads probe's relation without setting any context and
// says what came back: the previous tenant's rows, or the error it raised.
func (m *poolModel) contextlessRead(ctx context.Context, conn *pgxpool.Conn, probe request) string {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return ""
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, poolReadSQL(probe))
	var got []string
	if err == nil {
		got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return fmt.Sprintf("a request that sets no context on this connection raised: %v", err)
	}
	counts := map[string]int{}
	var order []string
	for _, v := range got {
		if counts[v] == 0 {
			order = append(order, v)
		}
		counts[v]++
	}
	var parts []string
	for _, v := range order {
		parts = append(parts, fmt.Sprintf("%d of %s", counts[v], m.valueLabel(v)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("a request that sets no context on this connection read no rows of %s", probe.rel)
	}
	return fmt.Sprintf("a request that sets no context on this connection read %s of %s: %s", rowCount(len(got)), probe.rel, strings.Join(parts, ", "))
}

// poolReadSQL is the request's read: the tenant column (or key) of every
// row it may see.
func poolReadSQL(r request) string {
	col := r.rel.TenantColumn
	if col == "" {
		col = r.rel.PrimaryKey[0]
	}
	return "SELECT " + catalog.QuoteIdent(col) + "::text FROM " + r.rel.QualifiedName()
}

// rowCount says "1 row" or "n rows".
func rowCount(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}
