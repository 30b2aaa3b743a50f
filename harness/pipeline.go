package harness

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// pipeline runs statements (one statement each) in one round trip with the
// extended protocol: Parse, Bind, Describe and Execute for each, one Sync
// at the end, so the server answers all of them in one flush. Results are
// read as text, in order. The first statement that fails ends the
// pipeline: the server skips the ones after it. pipeline returns the
// results of the statements that completed (sets[i] for statement i),
// the index of the failed one (-1: none) and its error. An error that is
// not a statement's (the connection's, ctx's) fails the statement it was
// reading, and the connection is closed. The connection's tracer, if any,
// sees the statements as one query, joined by semicolons.
func pipeline(ctx context.Context, tx pgx.Tx, stmts []string) (sets []resultSet, failed int, err error) {
	return pipelineParams(ctx, tx, stmts, nil)
}

// pipelineParams is pipeline with text parameters: params[i] are statement
// i's ($1, $2 ...; their types inferred by the server); nil for none.
func pipelineParams(ctx context.Context, tx pgx.Tx, stmts []string, params [][][]byte) (sets []resultSet, failed int, err error) {
	conn := tx.Conn()
	tracer := conn.Config().Tracer
	if tracer != nil {
		traced := stmts
		if params != nil {
			traced = make([]string, len(stmts))
			for i, st := range stmts {
				traced[i] = inlineParams(st, params[i])
			}
		}
		ctx = tracer.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: strings.Join(traced, ";\n")})
	}
	sets, failed, err = runPipeline(ctx, conn.PgConn(), stmts, params)
	if tracer != nil {
		tracer.TraceQueryEnd(ctx, conn, pgx.TraceQueryEndData{Err: err})
	}
	return sets, failed, err
}

func runPipeline(ctx context.Context, pc *pgconn.PgConn, stmts []string, params [][][]byte) ([]resultSet, int, error) {
	p := pc.StartPipeline(ctx)
	for i, s := range stmts {
		var ps [][]byte
		if params != nil {
			ps = params[i]
		}
		p.SendQueryParams(s, ps, nil, nil, nil)
	}
	if err := p.Sync(); err != nil {
		_ = p.Close()
		return nil, 0, err
	}
	sets := make([]resultSet, 0, len(stmts))
	for i := range stmts {
		rs, err := pipelineResult(p)
		if err != nil {
			if cerr := p.Close(); cerr != nil && !isPgError(cerr) && isPgError(err) {
				err = cerr
			}
			return sets, i, err
		}
		sets = append(sets, rs)
	}
	if err := p.Close(); err != nil {
		return sets, len(stmts) - 1, err
	}
	return sets, -1, nil
}

// pipelineResult reads the next statement's result: text values, nil for
// NULL, at most maxRows rows.
func pipelineResult(p *pgconn.Pipeline) (resultSet, error) {
	res, err := p.GetResults()
	if err != nil {
		return resultSet{}, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return resultSet{}, errors.New("pipeline: a statement's result is missing")
	}
	var rs resultSet
	for _, fd := range rr.FieldDescriptions() {
		rs.cols = append(rs.cols, fd.Name)
	}
	for rr.NextRow() {
		if len(rs.rows) < maxRows {
			rs.rows = append(rs.rows, textRow(rr.Values()))
		} else {
			rs.truncated = true
		}
	}
	if _, err := rr.Close(); err != nil {
		return resultSet{}, err
	}
	return rs, nil
}

func isPgError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

// textRow copies a row of text values (nil for NULL) in three
// allocations: the values in one string, the strings, the pointers.
func textRow(raw [][]byte) []*string {
	n := 0
	for _, v := range raw {
		n += len(v)
	}
	buf := make([]byte, 0, n)
	for _, v := range raw {
		buf = append(buf, v...)
	}
	all := string(buf)
	vals := make([]string, len(raw))
	row := make([]*string, len(raw))
	off := 0
	for i, v := range raw {
		if v != nil {
			vals[i] = all[off : off+len(v)]
			row[i] = &vals[i]
			off += len(v)
		}
	}
	return row
}

// inlineParams writes text parameters into a statement as literals ($10
// before $1), for tracers: what the pipeline ran, as one SQL text.
func inlineParams(sql string, params [][]byte) string {
	for i := len(params); i >= 1; i-- {
		sql = strings.ReplaceAll(sql, "$"+strconv.Itoa(i), catalog.QuoteLiteral(string(params[i-1])))
	}
	return sql
}
