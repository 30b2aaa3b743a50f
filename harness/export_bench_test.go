package harness

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// RunResult is one result of Queries, for tests: rows as text, the error.
type RunResult struct {
	Rows [][]*string
	Err  error
	Code string
}

// Queries runs queries for tests: runs as (prelude, sql) pairs.
func Queries(ctx context.Context, tx pgx.Tx, lead string, runs [][2]string, resume func(int) int) ([]RunResult, error) {
	rs := make([]stmtRun, len(runs))
	for i, r := range runs {
		rs[i] = stmtRun{r[0], r[1]}
	}
	out, err := queries(ctx, tx, lead, rs, resume)
	res := make([]RunResult, len(out))
	for i, o := range out {
		res[i] = RunResult{o.rows, o.err, o.code}
	}
	return res, err
}

// ErrNotRun is errNotRun, for tests.
var ErrNotRun = errNotRun
