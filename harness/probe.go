package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// contextState is how the tenant context is set for a batch of statements.
type contextState string

const (
	ctxTenant contextState = "tenant" // the context SQL with the viewer's id
	ctxUnset  contextState = "unset"  // never set on this connection (run on the unset stash: unsetconns.go)
	ctxEmpty  contextState = "empty"  // set to '' (what a transaction-local set leaves behind)
)

// probe is one check: a world, a viewer (or none), the context states to
// try in order, and statements run in each.
type probe struct {
	world  *generators.World
	viewer int // -1: no tenant
	states []contextState
	stmts  []generators.Statement
	// control: the viewer's own context, after the states without one,
	// is a positive control only: its statements are run to see the
	// viewer's own rows (a property without tenant context can otherwise
	// not tell fail-closed from an application that sees nothing), not
	// judged for leaks.
	control  bool
	property string // for findings
	relation string
	kind     Kind
	role     string // run the tenant's statements as this role instead

	// persistent: the world is committed already (CommitWorld), so the
	// check does not insert it.
	persistent bool
	// large: the world is the bulk-loaded large world (so persistent
	// too); its admin runs read a bounded sample (reachLimit rows).
	large bool
}

// reachLimit bounds the rows a large world's unrestricted admin run reads:
// enough to see whether a statement reaches other tenants' rows, without
// reading a million of them.
const reachLimit = 200

// reachTimeout bounds that sample (the statement's own runs keep the
// check's 5 s): a cross join of thousands of tenants is no reason to wait.
// It runs serially (no parallel workers) so that its 200 rows are the same
// from run to run.
const reachTimeout = "SET LOCAL statement_timeout = '1s'; SET LOCAL max_parallel_workers_per_gather = 0"

// checkTx begins a check's transaction and bounds its statements, in one
// round trip.
// Sequential scans start at the table's first block (not where a
// concurrent scan is): results come in the same order from run to run.
var checkTx = pgx.TxOptions{BeginQuery: "BEGIN; SET LOCAL statement_timeout = '5s'; SET LOCAL synchronize_seqscans = off"}

// run executes the probe and returns the first finding, if any. Every
// statement runs twice: as the admin role (bypassing RLS: did it reach
// other tenants' rows?) and as the application role with the context (did
// any of them come back?). The unset states run first, in a transaction of
// their own on a connection that has only ever run unset states
// (unsetconns.go); the other states run in one transaction on the pool.
// Each transaction loads the world and is rolled back.
func (tg *Target) run(ctx context.Context, p probe, st *Stats) (*Finding, error) {
	var unset, rest []contextState
	for _, s := range p.states {
		if s == ctxUnset {
			unset = append(unset, s)
		} else {
			rest = append(rest, s)
		}
	}
	counted := false
	if len(unset) > 0 {
		f, err := tg.runUnset(ctx, p, unset, st)
		if f != nil || err != nil {
			return f, err
		}
		counted = true
	}
	if len(rest) == 0 {
		return nil, nil
	}
	tx, err := tg.Pool.BeginTx(ctx, checkTx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return tg.runStates(ctx, tx, p, rest, st, !counted)
}

// runUnset runs the unset states of a probe on a connection of the unset
// stash, and gives it back (kept only if the settings still read NULL).
func (tg *Target) runUnset(ctx context.Context, p probe, states []contextState, st *Stats) (*Finding, error) {
	u := tg.unsetStash(ctx)
	var conn *pgx.Conn
	var err error
	if u != nil {
		conn, err = u.get(ctx)
	} else {
		conn, err = pgx.ConnectConfig(ctx, tg.Pool.Config().ConnConfig)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to target: %w", err)
	}
	used := false
	defer func() {
		if u != nil {
			u.put(ctx, conn, used)
		} else {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
	}()
	tx, err := conn.BeginTx(ctx, checkTx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	f, err := tg.runStates(ctx, tx, p, states, st, true)
	rerr := tx.Rollback(context.WithoutCancel(ctx))
	used = err == nil && rerr == nil
	return f, err
}

// runStates runs the probe's statements in each of states, in tx, after
// loading the world (unless it is committed already); count counts the
// check in st (a probe split over two transactions counts once).
func (tg *Target) runStates(ctx context.Context, tx pgx.Tx, p probe, states []contextState, st *Stats, count bool) (*Finding, error) {
	if !p.persistent && !p.large {
		if _, err := loadWorld(ctx, tx, p.world); err != nil {
			return nil, err
		}
	}
	switch {
	case !count:
	case p.large:
		st.Checks++ // the world's size is reported once, with its load
	default:
		st.checked(p.world)
	}
	for _, state := range states {
		// Without a context no tenant is the viewer: every tenant's row
		// is foreign then.
		sp := p
		if state != ctxTenant {
			sp.viewer = -1
		}
		role := tg.tenantRole(sp.world, sp.viewer)
		if p.role != "" {
			role = p.role
		}
		asApp := "SET LOCAL ROLE " + catalog.QuoteIdent(role) + ";"
		if ok, err := tg.enterContext(ctx, tx, state, sp.viewer, sp.world); err != nil {
			return nil, err
		} else if !ok {
			st.Rejected += len(p.stmts) // the context could not even be set: fails closed
			MergeCounts(&st.RejectedBy, map[string]int{"context refused": len(p.stmts)})
			continue
		}
		// setContext resets the role after a context is set (as the
		// application role); here that RESET ROLE goes with the
		// statements, in the same round trip, so the admin runs run as
		// the admin in every state.
		lead := "RESET ROLE;"

		batch, err := tg.readRuns(ctx, tx, sp, asApp, lead)
		if err != nil {
			return nil, fmt.Errorf("reset role: %w", err)
		}
		if p.control && state == ctxTenant {
			tg.controlRuns(sp, batch, st)
			continue
		}
		for i, s := range p.stmts {
			if f := tg.readStatement(ctx, tx, asApp, sp, state, s, batch.of(i), st); f != nil {
				return f, nil
			}
		}
	}
	return nil, nil
}

// readBatch is every run of a probe's statements, sent in one round trip:
// for each statement, as the admin, restricted to the viewer's rows (when
// it can be) and as the application role.
type readBatch struct {
	results []resultSet
	first   []int // index of each statement's admin run
}

// readRuns runs lead and then the batch. Nothing more of a statement runs
// after its admin run failed (it is discarded). Statements after one that
// leaks run too, but are not judged (every run is rolled back).
func (tg *Target) readRuns(ctx context.Context, tx pgx.Tx, p probe, asApp, lead string) (readBatch, error) {
	viewerID := ""
	if p.viewer >= 0 {
		viewerID = p.world.ContextID(p.viewer)
	}
	var runs []stmtRun
	var b readBatch
	for _, s := range p.stmts {
		b.first = append(b.first, len(runs))
		if p.large { // a sample of the unrestricted result, quickly or not at all
			runs = append(runs, stmtRun{reachTimeout, fmt.Sprintf("SELECT * FROM (%s) tf_reach LIMIT %d", s.SQL, reachLimit)})
		} else {
			runs = append(runs, stmtRun{"", s.SQL})
		}
		if s.Deterministic {
			if rsql, ok := s.Restricted(tg.Catalog, viewerID); ok { // under membership: the user's tenants
				runs = append(runs, stmtRun{"", rsql})
			}
		}
		runs = append(runs, stmtRun{asApp, s.SQL})
	}
	b.first = append(b.first, len(runs))
	var err error
	b.results, err = queries(ctx, tx, lead, runs, func(i int) int {
		for k, f := range b.first {
			if f == i && !p.large { // an admin run failed: on to the next statement
				return b.first[k+1]
			}
		}
		return i + 1 // a large world's sample may time out: the other runs still judge
	})
	return b, err
}

// of returns statement i's results: the admin's, the restricted one (nil
// when none), the application's.
func (b readBatch) of(i int) (runs readResults) {
	rs := b.results[b.first[i]:b.first[i+1]]
	runs.admin, runs.app = rs[0], rs[len(rs)-1]
	if len(rs) == 3 {
		runs.restricted = &rs[1]
	}
	return runs
}

// readResults are the results of one statement's runs.
type readResults struct {
	admin, app resultSet
	restricted *resultSet
}

// readStatement judges one read statement from its three runs: unrestricted
// as the admin (did it reach other tenants' rows?), restricted to the
// viewer's rows as the admin (what isolation should return, for
// deterministic statements), and as the application role with the context.
// It applies the ownership oracle, then the differential one.
func (tg *Target) readStatement(ctx context.Context, tx pgx.Tx, asApp string, p probe, state contextState, s generators.Statement, runs readResults, st *Stats) *Finding {
	admin, app := runs.admin, runs.app
	sampled := p.large && admin.code == sqlStateQueryCanceled                // the reach sample ran out of time: reach unknown
	if (admin.err != nil && !sampled) || app.code == sqlStateQueryCanceled { // a timeout as the tenant is no answer either
		err := admin.err
		if err == nil || sampled {
			err = app.err
		}
		st.discard(s.Kind, s.SQL, err)
		return nil
	}
	if sampled {
		admin = resultSet{}
	}
	st.Statements++
	count(&st.ByKind, s.Kind)
	for _, r := range s.Relations {
		count(&st.ByRelation, r)
	}
	var expected *resultSet
	if runs.restricted != nil && runs.restricted.err == nil {
		expected = runs.restricted
	}
	reached := expected != nil && !sampled && !sameRows(admin.rows, expected.rows) && (!p.large || len(admin.rows) < reachLimit)
	for _, row := range admin.rows {
		if reached {
			break
		}
		reached = foreignOwner(p.world, owners(p.world, row), p.viewer) >= 0
	}
	if reached {
		st.Reached++
	}
	if app.err != nil {
		st.reject(app.err) // ran as admin, refused as the tenant: the system's answer
		return nil
	}
	st.Rows += len(app.rows)
	var evidence []string
	var foreign [][]*string
	other := -1 // the lowest foreign owner: the same whatever the row order
	for _, row := range app.rows {
		own := owners(p.world, row)
		if len(own) == 0 {
			st.Unattributed++
			continue
		}
		if ownOwner(p.world, own, p.viewer) {
			st.sawOwn()
		}
		if o := foreignOwner(p.world, own, p.viewer); o >= 0 {
			if other < 0 || o < other {
				other = o
			}
			foreign = append(foreign, row)
		}
	}
	sortRows(foreign)
	for _, row := range foreign[:min(len(foreign), 3)] {
		evidence = append(evidence, describeRow(app.cols, row, tg.Config.ShowValues))
	}
	if other >= 0 {
		rel, _ := tg.culprit(ctx, tx, asApp, p, s)
		return tg.finding(p, p.kind, state, s, other, evidence, rel)
	}
	if expected == nil || (expected.truncated && app.truncated) {
		return nil // two partial results cannot be compared
	}
	st.Compared++
	kind := KindDifferentialRead
	switch {
	case app.truncated: // over maxRows returned, fewer expected: rows too many, for certain
		evidence = append(evidence, fmt.Sprintf("more than %d rows returned; the query restricted to the tenant's own rows returns %d", maxRows, len(expected.rows)))
	case expected.truncated: // over maxRows expected, fewer returned
		kind = KindOverFiltering
		evidence = append(evidence, fmt.Sprintf("%d rows returned; the query restricted to the tenant's own rows returns more than %d", len(app.rows), maxRows))
	default:
		extra, missing := diffRows(app.rows, expected.rows)
		if len(extra) == 0 && len(missing) == 0 {
			return nil
		}
		if p.world.Membership() && len(missing) > 0 {
			// Under membership tenancy a user may see less than its
			// tenants' rows (roles: invitations only owners see), so a
			// result that also lacks rows (an aggregate, an outer join
			// with a hidden side) is not judged: only rows beyond the
			// user's tenants' are.
			return nil
		}
		rows := extra
		what := "returned, but the query restricted to the tenant's own rows does not"
		if len(extra) == 0 {
			kind, rows, what = KindOverFiltering, missing, "expected from the tenant's own rows, but not returned"
		}
		for _, row := range rows[:min(len(rows), 3)] {
			evidence = append(evidence, what+": "+describeRow(app.cols, row, tg.Config.ShowValues))
		}
	}
	if kind == KindOverFiltering && p.world.Membership() {
		// Roles within a tenant hide rows from some of its users by
		// design (invitations only owners see): under membership tenancy
		// seeing less than the tenant's rows is not judged.
		return nil
	}
	rel, other := tg.culprit(ctx, tx, asApp, p, s)
	if kind == KindOverFiltering {
		other = -1
	}
	return tg.findingExpected(p, kind, state, s, other, evidence, rel, describeRows(expected))
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
	ok, err := tg.enterContext(ctx, tx, state, viewer, w)
	if !ok || err != nil || state == ctxUnset {
		return ok, err
	}
	if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil {
		return false, fmt.Errorf("reset role: %w", err)
	}
	return true, nil
}

// enterContext is setContext without the final RESET ROLE of a tenant's
// context: the role is then still the one the strategy set.
func (tg *Target) enterContext(ctx context.Context, tx pgx.Tx, state contextState, viewer int, w *generators.World) (bool, error) {
	switch state {
	case ctxUnset:
		return true, nil
	case ctxEmpty:
		return tg.applyContext(ctx, tx, func(q Execer) error {
			for _, s := range tg.Strategy.Settings(tg) {
				if _, err := q.Exec(ctx, "SELECT set_config($1, '', true)", s); err != nil {
					return err
				}
			}
			return nil
		})
	}
	ok, err := tg.applyContext(ctx, tx, func(q Execer) error { return tg.Strategy.Set(ctx, q, tg, w.ContextID(viewer)) })
	if !ok {
		return false, fmt.Errorf("set tenant context with strategy %s as %s: %w (check --context/--context-sql and that the application role may run it)", tg.Strategy.Name, tg.Config.AppRole, err)
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
		rs := query(ctx, tx, asApp, "SELECT * FROM "+wholeRead(rel))
		other := -1 // the lowest foreign owner: the same whatever the row order
		for _, row := range rs.rows {
			if o := foreignOwner(p.world, owners(p.world, row), p.viewer); o >= 0 && (other < 0 || o < other) {
				other = o
			}
		}
		if other >= 0 {
			return name, other
		}
	}
	return p.relation, -1
}

// wholeRead is what reads a relation whole: its name, or for a function
// source a call with every argument NULL (most "filter by" parameters
// read NULL as "no filter"; one that does not is not named culprit).
func wholeRead(rel *catalog.Relation) string {
	if rel.Function == nil {
		return rel.QualifiedName()
	}
	return rel.QualifiedName() + "(" + strings.TrimSuffix(strings.Repeat("NULL, ", len(rel.Function.ArgBaseTypes)), ", ") + ")"
}

// describeRows summarises a result for a finding's script.
func describeRows(rs *resultSet) string {
	return fmt.Sprintf("%d rows", len(rs.rows))
}

// controlRuns counts the positive control of a probe whose context states
// hold no tenant (fail-closed): the viewer's own context, whose statements
// must show the viewer some row of its own in at least one check. Only
// that is counted: leaks under a tenant's context are read-isolation's.
func (tg *Target) controlRuns(p probe, b readBatch, st *Stats) {
	for i := range p.stmts {
		app := b.of(i).app
		if app.err != nil {
			continue
		}
		for _, row := range app.rows {
			if ownOwner(p.world, owners(p.world, row), p.viewer) {
				st.sawOwn()
				return
			}
		}
	}
}
