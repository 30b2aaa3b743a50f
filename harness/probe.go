package harness

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
)

// contextState is how the tenant context is set for a batch of statements.
type contextState string

const (
	ctxTenant contextState = "tenant" // the context SQL with the viewer's id
	ctxUnset  contextState = "unset"  // never set on this connection
	ctxEmpty  contextState = "empty"  // set to '' (what a transaction-local set leaves behind)
)

// probe is one check: a world, a viewer (or none), the context states to
// try in order, and statements run in each.
type probe struct {
	world    *generators.World
	viewer   int // -1: no tenant
	states   []contextState
	stmts    []generators.Statement
	fresh    bool   // use a new connection (needed for ctxUnset)
	property string // for findings
	relation string
	kind     Kind
	role     string // run the tenant's statements as this role instead
}

// run executes the probe in one transaction that is rolled back and
// returns the first finding, if any. Every statement runs twice: as the
// admin role (bypassing RLS: did it reach other tenants' rows?) and as the
// application role with the context (did any of them come back?).
func (tg *Target) run(ctx context.Context, p probe, st *Stats) (*Finding, error) {
	var tx pgx.Tx
	if p.fresh {
		conn, err := pgx.Connect(ctx, tg.DB.DSN)
		if err != nil {
			return nil, fmt.Errorf("connect to target: %w", err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		if tx, err = conn.Begin(ctx); err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
	} else {
		var err error
		if tx, err = tg.Pool.Begin(ctx); err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '5s'"); err != nil {
		return nil, fmt.Errorf("set statement_timeout: %w", err)
	}
	if _, err := loadWorld(ctx, tx, p.world); err != nil {
		return nil, err
	}
	st.Checks++
	role := tg.tenantRole(p.world, p.viewer)
	if p.role != "" {
		role = p.role
	}
	asApp := "SET LOCAL ROLE " + quoteIdent(role) + ";"
	for _, state := range p.states {
		if ok, err := tg.setContext(ctx, tx, state, p.viewer, p.world); err != nil {
			return nil, err
		} else if !ok {
			st.Rejected += len(p.stmts) // the context could not even be set: fails closed
			continue
		}
		for _, s := range p.stmts {
			f := tg.readStatement(ctx, tx, asApp, p, state, s, st)
			if f != nil {
				return f, nil
			}
		}
	}
	return nil, nil
}

// readStatement runs one read statement three ways: unrestricted as the
// admin (did it reach other tenants' rows?), restricted to the viewer's
// rows as the admin (what isolation should return, for deterministic
// statements), and as the application role with the context. It applies
// the ownership oracle, then the differential one.
func (tg *Target) readStatement(ctx context.Context, tx pgx.Tx, asApp string, p probe, state contextState, s generators.Statement, st *Stats) *Finding {
	admin := query(ctx, tx, "", s.SQL)
	if admin.err != nil {
		st.discard(s.Kind, s.SQL, admin.err)
		return nil
	}
	st.Statements++
	count(&st.ByKind, s.Kind)
	for _, r := range s.Relations {
		count(&st.ByRelation, r)
	}
	var expected *resultSet
	if s.Deterministic {
		viewerID := ""
		if p.viewer >= 0 {
			viewerID = p.world.TenantID(p.viewer)
		}
		if rsql, ok := s.Restricted(tg.Catalog, viewerID); ok {
			if rs := query(ctx, tx, "", rsql); rs.err == nil {
				expected = &rs
			}
		}
	}
	reached := expected != nil && !sameRows(admin.rows, expected.rows)
	for _, row := range admin.rows {
		if reached {
			break
		}
		reached = foreignOwner(owners(p.world, row), p.viewer) >= 0
	}
	if reached {
		st.Reached++
	}
	app := query(ctx, tx, asApp, s.SQL)
	if app.err != nil {
		st.Rejected++ // ran as admin, refused as the tenant: the system's answer
		return nil
	}
	st.Rows += len(app.rows)
	var evidence []string
	other := -1
	for _, row := range app.rows {
		own := owners(p.world, row)
		if len(own) == 0 {
			st.Unattributed++
			continue
		}
		if o := foreignOwner(own, p.viewer); o >= 0 {
			if other < 0 {
				other = o
			}
			if len(evidence) < 3 {
				evidence = append(evidence, describeRow(app.cols, row, tg.Config.ShowValues))
			}
		}
	}
	if other >= 0 {
		rel, _ := tg.culprit(ctx, tx, asApp, p, s)
		return tg.finding(p, p.kind, state, s, other, evidence, rel)
	}
	if expected == nil {
		return nil
	}
	st.Compared++
	extra, missing := diffRows(app.rows, expected.rows)
	if len(extra) == 0 && len(missing) == 0 {
		return nil
	}
	kind := KindDifferentialRead
	rows := extra
	what := "returned, but the query restricted to the tenant's own rows does not"
	if len(extra) == 0 {
		kind, rows, what = KindOverFiltering, missing, "expected from the tenant's own rows, but not returned"
	}
	for i, row := range rows {
		if i == 3 {
			break
		}
		evidence = append(evidence, what+": "+describeRow(app.cols, row, tg.Config.ShowValues))
	}
	rel, other := tg.culprit(ctx, tx, asApp, p, s)
	if kind == KindOverFiltering {
		other = -1
	}
	f := tg.finding(p, kind, state, s, other, evidence, rel)
	f.Expected = describeRows(expected)
	return f
}

func count(m *map[string]int, k string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k]++
}

// setContext puts the transaction into a context state. It returns false
// when the application refuses to set that state (an empty id that does
// not parse, say): that is failing closed. The role is the admin's again
// afterwards, except for strategies that switch roles (role per tenant),
// whose role the statements then run under.
func (tg *Target) setContext(ctx context.Context, tx pgx.Tx, state contextState, viewer int, w *generators.World) (bool, error) {
	switch state {
	case ctxUnset:
		return true, nil
	case ctxEmpty:
		return tg.applyContext(ctx, tx, func() error {
			for _, s := range tg.Strategy.Settings(tg) {
				if _, err := tx.Exec(ctx, "SELECT set_config($1, '', true)", s); err != nil {
					return err
				}
			}
			return nil
		})
	}
	ok, err := tg.applyContext(ctx, tx, func() error { return tg.Strategy.Set(ctx, tx, tg, w.TenantID(viewer)) })
	if !ok {
		return false, fmt.Errorf("set tenant context with strategy %s as %s: %w (check --context/--context-sql and that the application role may run it)", tg.Strategy.Name, tg.Config.AppRole, err)
	}
	if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil {
		return false, fmt.Errorf("reset role: %w", err)
	}
	return true, nil
}

// culprit names the relation a leaking statement leaked from, and a tenant
// it leaked: the first of its relations that, read whole as the tenant,
// returns foreign rows (-1 when none does on its own).
func (tg *Target) culprit(ctx context.Context, tx pgx.Tx, asApp string, p probe, s generators.Statement) (string, int) {
	for _, name := range s.Relations {
		rel := tg.Catalog.Relation(name)
		if rel == nil {
			continue
		}
		rs := query(ctx, tx, asApp, "SELECT * FROM "+rel.QualifiedName())
		for _, row := range rs.rows {
			if o := foreignOwner(owners(p.world, row), p.viewer); o >= 0 {
				return name, o
			}
		}
	}
	return p.relation, -1
}

// describeRows summarises a result for a finding's script.
func describeRows(rs *resultSet) string {
	return fmt.Sprintf("%d rows", len(rs.rows))
}
