package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// Cross-request finding kinds (docs/leaks.md entries 46, 47, 48).
const (
	// KindCrossRequestLeak: after another tenant asked the same question,
	// a tenant's answer held that tenant's rows or values (a cache keyed
	// by the question, not the tenant; state left in the session).
	KindCrossRequestLeak Kind = "cross-request-leak"
	// KindCrossRequestState: a tenant's answer changed because another
	// tenant asked the same question first, without carrying that tenant's
	// rows (a counter or sequence that reveals the other's activity, a
	// result that lost rows).
	KindCrossRequestState Kind = "cross-request-state"
)

// CrossRequest is the property: a tenant's answer does not depend on what
// another tenant asked before. In one world, tenant A runs a request (one
// to four statements: SELECTs over the subject, or calls of the subject
// function, with arguments drawn from every tenant's values), then tenant
// B runs the same statements with the same arguments, each request with
// its own context; B's answers must equal what B gets in the same world
// where A never asked. A difference holding A's rows (traced by id, key or
// canary) or a row of A's own answer, or B's answer being exactly A's
// (served A's answer, even an empty one), is a cross-request-leak (critical);
// any other difference (a count moved, rows missing, a statement that now
// fails) is cross-request-state (medium).
//
// The differential is exact and cheap: one transaction loads the world; B's
// request runs alone under a savepoint that is then rolled back (with the
// sequences set back: nextval is not transactional), then A's request,
// then B's. B's second request comes on A's connection (what A's session
// left, temporary tables and session settings, is still there) or on
// another one (drawn per check; emulated after A's request by what
// DISCARD ALL does, in its parts: temporary tables, session settings,
// currval and lastval, cached plans, cursors, advisory locks; only what
// A's request wrote to tables remains).
// Statements that are not deterministic (LIMIT over a partial order), and,
// for volatile functions and views, statements whose two runs of B alone
// differ, are not judged.
//
// Reach: A's answer to a statement differs from B's alone (were B served
// A's answer, the differential would show it). Positive control: B's answer
// alone held a row of its own (or, for answers no row of which can be
// traced, a non-empty answer that differs from A's).
//
// Subjects: every relation the application role may read (tables, views,
// set-returning functions) and every function returning one value it may
// execute. Not applicable: tables holding no tenant rows, functions
// returning void, the context setter itself, functions taking
// pseudo-typed arguments. As for the read properties, reach and the
// positive control are required on tenant tables; a view or function
// whose answer is the same for every tenant (a constant, a global count)
// passes without them. A tenant table without row-level security, or one
// the application role bypasses it on, is not applicable when blind (every tenant gets
// every answer: read-isolation's rls-bypassed finding).
//
// Limits: both requests run in one transaction, so what A's request leaves
// transaction-local (set_config(..., true) of a setting other than the
// context) is still there for B, where a real commit would drop it; writes
// are not replayed (the same write with the same keys collides by
// construction: side-channel's business); the state must show in B's
// answer to the same statement (a cache read by a different statement is
// not found); set-returning functions whose columns the catalog cannot
// read (SETOF record, SETOF a scalar) are not called. Membership tenancy
// is not modelled.
var CrossRequest = &Property{
	Name:      "cross-request",
	Title:     "a tenant's answer does not depend on another tenant's earlier request",
	Labels:    []string{"context", "soc2:CC6.1"},
	control:   true,
	Relations: crossRequestSubjects,
	Applies:   crossRequestApplies,
	unreachable: func(ctx context.Context, tg *Target, subj Subject) string {
		if rel := subj.Rel; rel.IsTable() {
			if !rel.RLSEnabled {
				return fmt.Sprintf("row-level security is off on %s (read-isolation reports it): every tenant gets every tenant's answer, so no request's answer can differ from another's", subj.Name)
			}
			if why, err := tg.bypassChain(ctx, tg.Config.AppRole, "", rel); err == nil && why != "" {
				return fmt.Sprintf("the application role bypasses row-level security on %s (%s; read-isolation reports it): every tenant gets every tenant's answer, so no request's answer can differ from another's", subj.Name, why)
			}
		}
		return ""
	},
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		var fn *catalog.Function
		if rel.Function != nil && !rel.Function.ReturnsSet {
			fn = rel.Function
		}
		noisy := rel.Function != nil && rel.Function.Volatility == "v"
		return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
			var stats Stats
			if len(w.Tenants) < 2 {
				stats.checked(w)
				return nil, stats, nil
			}
			first := rapid.IntRange(0, len(w.Tenants)-2).Draw(rt, "first to ask")
			if first >= viewer {
				first++
			}
			var gen *rapid.Generator[generators.Statement]
			if fn != nil {
				gen = generators.CallGen(w, fn)
			} else {
				gen = generators.SelectGen(tg.Catalog, w, rel)
			}
			x := crossReq{
				world: w, first: first, second: viewer, subject: subj.Name,
				stmts: rapid.SliceOfN(gen, 1, opts.Statements).Draw(rt, "statements"),
				same:  rapid.Bool().Draw(rt, "same connection"),
			}
			x.noisy = noisy || tg.callsOrViews(x.stmts)
			f, err := tg.crossRequestProbe(ctx, x, &stats)
			return f, stats, err
		})
	},
}

// crossRequestSubjects: the readable relations, then the functions
// returning one value the application role may execute, each as a
// relation of kind function without columns (named as function sources
// are: name(arguments)).
func crossRequestSubjects(c *catalog.Catalog) []*catalog.Relation {
	out := c.Readable()
	for _, f := range c.Functions {
		if f.Execute && f.Kind == "f" && !f.ReturnsSet && f.Result != "trigger" && f.Result != "event_trigger" {
			out = append(out, &catalog.Relation{Schema: f.Schema, Name: f.Name, Kind: catalog.KindFunction, Owner: f.Owner, Function: f})
		}
	}
	return out
}

// crossRequestApplies says why a subject is not checked (tables holding
// no tenant rows are not applicable to any relation property).
func crossRequestApplies(tg *Target, subj Subject) (bool, string) {
	f := subj.Rel.Function
	if f == nil {
		return true, ""
	}
	if f.Result == "void" {
		return false, subj.Name + " returns void: a call answers nothing the next tenant's could be compared with"
	}
	if tg.Config.ContextSQL != "" && strings.Contains(tg.Config.ContextSQL, f.Name+"(") {
		return false, subj.Name + " is the context setter: pool-isolation and hostile-ids check it"
	}
	for _, t := range f.ArgTypes {
		if strings.HasPrefix(t, "any") || t == "internal" || t == "record" || t == "cstring" {
			return false, subj.Name + " takes an argument of pseudo-type " + t + ": no value can be generated for it"
		}
	}
	return true, ""
}

// callsOrViews reports whether a statement reads a view or a function,
// whose answers may vary between two identical runs (random(),
// clock_timestamp(), gen_random_uuid()).
func (tg *Target) callsOrViews(stmts []generators.Statement) bool {
	for _, s := range stmts {
		for _, name := range s.Relations {
			if r := tg.Catalog.Relation(name); r == nil || !r.IsTable() {
				return true
			}
		}
	}
	return false
}

// crossReq is one check: two tenants, the statements both run, and
// whether B's request comes on A's connection.
type crossReq struct {
	world         *generators.World
	first, second int // A asks first, B second (the viewer)
	stmts         []generators.Statement
	same          bool // B's request on A's connection
	noisy         bool // run B alone twice: not judged when the runs differ
	subject       string
}

// newConnection is what B's request on another connection does not see of
// A's session: what DISCARD ALL drops (it cannot run in a transaction, so
// its parts: open cursors, session settings, LISTENs, session advisory
// locks, cached plans, temporary tables, currval and lastval), except the
// prepared statements (the driver's own cache: they hold no data) and the
// session authorization (the harness's admin role). The check's own bounds
// are set again afterwards.
const newConnection = "CLOSE ALL; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES; " +
	"SET LOCAL statement_timeout = '5s'; SET LOCAL synchronize_seqscans = off"

// crossRequestProbe runs one check: B alone (rolled back), then A, then B.
func (tg *Target) crossRequestProbe(ctx context.Context, x crossReq, st *Stats) (*Finding, error) {
	w := x.world
	tx, err := tg.Pool.BeginTx(ctx, checkTx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := loadWorld(ctx, tx, w); err != nil {
		return nil, err
	}
	st.checked(w)
	seqs, err := readSequences(ctx, tx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_alone"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	rewind := func() error {
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_alone"); err != nil {
			return fmt.Errorf("roll back B's request alone: %w", err)
		}
		if len(seqs) == 0 {
			return nil
		}
		return restoreSequences(ctx, tx, seqs)
	}
	alone, err := tg.request(ctx, tx, w, x.second, x.stmts)
	if err != nil {
		return nil, err
	}
	undecided := make([]bool, len(x.stmts))
	if x.noisy {
		if err := rewind(); err != nil {
			return nil, err
		}
		again, err := tg.request(ctx, tx, w, x.second, x.stmts)
		if err != nil {
			return nil, err
		}
		for i := range again {
			undecided[i] = !sameOutcome(alone[i], again[i])
		}
	}
	if err := rewind(); err != nil {
		return nil, err
	}
	first, err := tg.request(ctx, tx, w, x.first, x.stmts)
	if err != nil {
		return nil, err
	}
	if !x.same {
		if _, err := tx.Exec(ctx, newConnection); err != nil {
			return nil, fmt.Errorf("drop A's session state: %w", err)
		}
	}
	after, err := tg.request(ctx, tx, w, x.second, x.stmts)
	if err != nil {
		return nil, err
	}
	for i := range x.stmts {
		if f := tg.judgeCrossRequest(x, i, [3][]resultSet{first, alone, after}, undecided[i], st); f != nil {
			return f, nil
		}
	}
	return nil, nil
}

// request runs stmts as viewer's request: its context, then each
// statement as the application role under a savepoint that is released
// (what it wrote stays, as after a commit) or, when it fails, rolled back.
func (tg *Target) request(ctx context.Context, tx pgx.Tx, w *generators.World, viewer int, stmts []generators.Statement) ([]resultSet, error) {
	if ok, err := tg.setContext(ctx, tx, ctxTenant, viewer, w); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("the context of %s could not be set", w.ViewerLabel(viewer))
		}
		return nil, err
	}
	role := catalog.QuoteIdent(tg.tenantRole(w, viewer))
	out := make([]resultSet, len(stmts))
	for i, s := range stmts {
		sql := "SAVEPOINT tf_request; SET LOCAL ROLE " + role + "; " + s.SQL + "\n; RESET ROLE; RELEASE SAVEPOINT tf_request"
		res, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll()
		if err != nil {
			if !isPgError(err) {
				return nil, fmt.Errorf("run %s's request: %w", w.ViewerLabel(viewer), err)
			}
			out[i] = resultSet{err: err, code: sqlState(err)}
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_request; RELEASE SAVEPOINT tf_request"); err != nil {
				return nil, fmt.Errorf("roll back a failed statement: %w", err)
			}
			continue
		}
		r := res[2]
		for _, fd := range r.FieldDescriptions {
			out[i].cols = append(out[i].cols, fd.Name)
		}
		for _, raw := range r.Rows {
			out[i].rows = append(out[i].rows, textRow(raw))
		}
	}
	return out, nil
}

// sameOutcome: the same SQLSTATE and, when both succeeded, the same rows
// as multisets.
func sameOutcome(a, b resultSet) bool {
	if (a.err == nil) != (b.err == nil) || a.code != b.code {
		return false
	}
	return a.err != nil || sameRows(a.rows, b.rows)
}

// judgeCrossRequest compares B's answer after A's request with B's answer
// alone, for statement i; runs are the answers of A's request, of B's
// alone and of B's after A's.
func (tg *Target) judgeCrossRequest(x crossReq, i int, runs [3][]resultSet, undecided bool, st *Stats) *Finding {
	w, s := x.world, x.stmts[i]
	first, alone, after := runs[0][i], runs[1][i], runs[2][i]
	if alone.err != nil && after.err != nil && alone.code == after.code {
		if isRejection(alone.code) {
			st.reject(alone.err)
		} else {
			st.discard(s.Kind, s.SQL, alone.err)
		}
		return nil
	}
	st.Statements++
	count(&st.ByKind, s.Kind)
	for _, r := range s.Relations {
		count(&st.ByRelation, r)
	}
	st.Rows += len(after.rows)
	if !sameOutcome(first, alone) {
		st.Reached++
	}
	if alone.err == nil && len(alone.rows) > 0 {
		traced := false
		for _, row := range alone.rows {
			own := owners(w, row)
			traced = traced || len(own) > 0
			if ownOwner(w, own, x.second) {
				st.sawOwn()
			}
		}
		if !traced && !sameOutcome(first, alone) {
			st.sawOwn() // an answer of B's own, though no row of it names B
		}
	}
	if !s.Deterministic || undecided {
		return nil
	}
	st.Compared++
	if sameOutcome(alone, after) {
		return nil
	}
	kind, other := KindCrossRequestState, x.first
	extra, missing := diffRows(after.rows, alone.rows)
	answered := map[string]bool{}
	for _, row := range first.rows {
		answered[rowKey(row)] = true
	}
	leaked := -1
	for _, row := range extra {
		if o := foreignOwner(w, owners(w, row), x.second); o >= 0 && (leaked < 0 || o < leaked) {
			leaked = o
		}
	}
	servedA := after.err == nil && first.err == nil && sameRows(after.rows, first.rows)
	switch {
	case leaked >= 0:
		kind, other = KindCrossRequestLeak, leaked
	case servedA:
		kind = KindCrossRequestLeak // B got A's whole answer, even an empty one
	default:
		for _, row := range extra {
			if answered[rowKey(row)] {
				kind = KindCrossRequestLeak // a row of A's own answer
			}
		}
	}
	b, a := w.ViewerLabel(x.second), w.ViewerLabel(x.first)
	where := "on " + a + "'s connection"
	if !x.same {
		where = "on another connection"
	}
	ev := []string{fmt.Sprintf("%s asked first; %s's request came %s", a, b, where)}
	switch {
	case after.err != nil || alone.err != nil:
		ev = append(ev, fmt.Sprintf("%s's statement %s after %s's request, %s alone", b, outcomeText(after), a, outcomeText(alone)))
	default:
		for _, row := range extra[:min(len(extra), 3)] {
			mark := ""
			if answered[rowKey(row)] {
				mark = " (a row of " + a + "'s own answer)"
			}
			ev = append(ev, fmt.Sprintf("returned after %s's request, not alone: %s%s", a, describeRow(after.cols, row, tg.Config.ShowValues), mark))
		}
		for _, row := range missing[:min(len(missing), 3)] {
			ev = append(ev, fmt.Sprintf("returned alone, not after %s's request: %s", a, describeRow(alone.cols, row, tg.Config.ShowValues)))
		}
	}
	if servedA {
		ev = append(ev, fmt.Sprintf("%s's answer after %s's request is exactly %s's own answer (%s), not its answer alone", b, a, a, outcomeText(first)))
	} else {
		ev = append(ev, fmt.Sprintf("%s's own request got %s", a, outcomeText(first)))
	}
	p := probe{world: w, viewer: x.second, property: "cross-request", relation: x.subject, kind: kind}
	f := tg.finding(p, kind, ctxTenant, s, other, ev, x.subject)
	f.Expected = fmt.Sprintf("%s alone: %s", b, outcomeText(alone))
	f.Script = tg.crossRequestScript(f, x, i, runs)
	f.Repro = nil // two requests; the script holds them
	return f
}

// outcomeText summarises a result for evidence.
func outcomeText(rs resultSet) string {
	if rs.err != nil {
		return "failed (" + rs.code + ")"
	}
	return fmt.Sprintf("%d rows", len(rs.rows))
}
