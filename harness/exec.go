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
}

// query runs prelude (e.g. SET LOCAL ROLE) and sql under a savepoint that is always rolled back, so neither
// an error nor a write survives it, and reads the result as text.
func query(ctx context.Context, tx pgx.Tx, prelude, sql string) resultSet {
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_stmt;"+prelude); err != nil {
		return resultSet{err: err, code: sqlState(err)}
	}
	rs := readRows(ctx, tx, sql)
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_stmt"); err != nil && rs.err == nil {
		rs.err, rs.code = err, sqlState(err)
	}
	return rs
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
	for rows.Next() && len(rs.rows) < maxRows {
		raw := rows.RawValues()
		row := make([]*string, len(raw))
		for i, v := range raw {
			if v != nil {
				s := string(v)
				row[i] = &s
			}
		}
		rs.rows = append(rs.rows, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return resultSet{err: err, code: sqlState(err)}
	}
	return rs
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isGeneratorError reports whether an error says the statement itself was
// wrong (syntax, types, unsupported features, limits, timeouts): such a
// statement is discarded, not counted as a check. Privilege errors (42501)
// are not generator errors: they are the system doing its job.
func isGeneratorError(code string) bool {
	if code == "42501" {
		return false
	}
	for _, class := range []string{"42", "22", "0A", "21", "54", "57014", "2202E", "25"} {
		if strings.HasPrefix(code, class) {
			return true
		}
	}
	return code == ""
}
