package harness

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxRows bounds how many rows of one result are read.
const maxRows = 10000

// resultSet is what one statement returned: text values (nil for NULL), or
// the error it raised.
type resultSet struct {
	cols []string
	rows [][]*string
	err  error
	code string // SQLSTATE of err, "" when none
	// truncated: the statement returned more than maxRows rows; only the
	// first maxRows were read.
	truncated bool
}

// query runs prelude (e.g. SET LOCAL ROLE) and sql under a savepoint that
// is always rolled back, so neither an error nor a write survives it, and
// reads the result as text.
func query(ctx context.Context, tx pgx.Tx, prelude, sql string) resultSet {
	rs, _ := queries(ctx, tx, "", []stmtRun{{prelude, sql}}, nil)
	return rs[0]
}

// stmtRun is one run of a statement for queries: prelude statements (such
// as SET LOCAL ROLE) and then the statement.
type stmtRun struct {
	prelude string
	sql     string
}

// errNotRun is the result of a run that queries left out.
var errNotRun = errors.New("not run: an earlier statement failed")

// queries runs lead (harness-written statements such as "RESET ROLE;", ""
// for none), then each run as query does: under a savepoint of its own
// that is rolled back after it, its result read as text. It sends all of
// them in one round trip (pipeline) instead of three per run. A failure
// ends a pipeline, so queries then rolls back to the savepoint and sends
// the remaining runs again, from resume(i) after run i failed (nil: the
// next run); the runs left out carry errNotRun. The error is lead's or the
// connection's.
func queries(ctx context.Context, tx pgx.Tx, lead string, runs []stmtRun, resume func(failed int) int) ([]resultSet, error) {
	out := make([]resultSet, len(runs))
	ran := make([]bool, len(runs))
	b := &plan{lead: splitStatements(lead)}
	var err error
	for next, rollback := 0, false; next < len(runs) || rollback; {
		b.build(rollback, runs, next)
		sets, failed, perr := pipeline(ctx, tx, b.stmts)
		for k, rs := range sets {
			if st := b.steps[k]; st.kind == stepStatement {
				out[st.run], ran[st.run] = rs, true
			}
		}
		b.lead = nil
		if failed < 0 {
			break
		}
		at := b.steps[failed]
		if at.kind == stepLead {
			err = perr
			break
		}
		if at.kind == stepRollback || !isPgError(perr) {
			for i := max(at.run, next); i < len(runs); i++ { // nothing more can run
				out[i], ran[i] = resultSet{err: perr}, true
			}
			err = perr
			break
		}
		rs := &out[at.run]
		rs.err, ran[at.run] = perr, true
		if at.kind == stepStatement {
			rs.cols, rs.rows = nil, nil
		}
		// A failed savepoint leaves nothing to roll back to, and a failed
		// rollback nothing to retry: query did not roll back then either.
		rollback = at.kind == stepPrelude || at.kind == stepStatement
		next = at.run + 1
		if resume != nil && at.kind != stepRunRollback {
			next = max(next, resume(at.run))
		}
	}
	for i := range out {
		if !ran[i] {
			out[i].err = errNotRun
		}
		if out[i].err != nil {
			out[i].code = sqlState(out[i].err)
		}
	}
	return out, err
}

// plan is one pipeline of queries: its statements and what each is.
type plan struct {
	lead  []string
	stmts []string
	steps []step
}

// step says what a statement of a plan is: its run and its kind.
type step struct {
	run  int
	kind stepKind
}

type stepKind int

const (
	stepLead        stepKind = iota // lead, before any run
	stepRollback                    // rollback of the run that failed in the previous pipeline
	stepSavepoint                   // a run's savepoint
	stepPrelude                     // a run's prelude
	stepStatement                   // a run's statement
	stepRunRollback                 // a run's rollback
)

// build fills the plan with the runs from next on, after rolling back a
// run that failed (rollback) and after lead.
func (b *plan) build(rollback bool, runs []stmtRun, next int) {
	b.stmts, b.steps = b.stmts[:0], b.steps[:0]
	add := func(run int, kind stepKind, sql string) {
		b.stmts = append(b.stmts, sql)
		b.steps = append(b.steps, step{run, kind})
	}
	if rollback {
		add(next, stepRollback, "ROLLBACK TO SAVEPOINT tf_stmt")
	}
	for _, l := range b.lead {
		add(next, stepLead, l)
	}
	for i := next; i < len(runs); i++ {
		add(i, stepSavepoint, "SAVEPOINT tf_stmt")
		for _, p := range splitStatements(runs[i].prelude) {
			add(i, stepPrelude, p)
		}
		add(i, stepStatement, runs[i].sql)
		add(i, stepRunRollback, "ROLLBACK TO SAVEPOINT tf_stmt")
	}
}

// splitStatements splits harness-written SQL such as "SET LOCAL ROLE x;"
// at the semicolons outside quotes, dropping empty statements.
func splitStatements(sql string) []string {
	var out []string
	start := 0
	var quote byte
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ';':
			if s := strings.TrimSpace(sql[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(sql[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func readRows(ctx context.Context, tx pgx.Tx, sql string) resultSet {
	rows, err := tx.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return resultSet{err: err, code: sqlState(err)}
	}
	defer rows.Close()
	var rs resultSet
	for _, fd := range rows.FieldDescriptions() {
		rs.cols = append(rs.cols, fd.Name)
	}
	for rows.Next() {
		if len(rs.rows) == maxRows {
			rs.truncated = true
			break
		}
		rs.rows = append(rs.rows, textRow(rows.RawValues()))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return resultSet{err: err, code: sqlState(err)}
	}
	return rs
}

// sqlStateQueryCanceled is what a statement ended by statement_timeout raises.
const sqlStateQueryCanceled = "57014"

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgMessage is PostgreSQL's message of err without the driver's decoration
// ("ERROR: ... (SQLSTATE x)"), or err's text.
func pgMessage(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}
