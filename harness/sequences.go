package harness

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// seqState is a sequence's state as pg_sequences shows it: last_value nil
// when nextval was never called (or the admin may not read it).
type seqState struct {
	name  string // quoted, qualified
	last  *int64
	start int64
}

// readSequences reads the state of every sequence of the database.
func readSequences(ctx context.Context, q querier) (map[string]seqState, error) {
	rows, err := q.Query(ctx, `SELECT format('%I.%I', schemaname, sequencename), last_value, start_value FROM pg_sequences`)
	if err != nil {
		return nil, fmt.Errorf("read sequences: %w", err)
	}
	out := map[string]seqState{}
	for rows.Next() {
		var s seqState
		if err := rows.Scan(&s.name, &s.last, &s.start); err != nil {
			return nil, fmt.Errorf("read sequences: %w", err)
		}
		out[s.name] = s
	}
	return out, rows.Err()
}

// restoreSequences sets every sequence that moved since before was read
// back to its state then (a sequence never called gets its start value
// and is_called false, as it was).
//
// Why: nextval is not transactional, so every world inserted, rolled back
// or committed and deleted again, advances the identity and serial
// sequences of its tables. No check expects those values (the generators
// leave identity and serial columns to their defaults and trace rows by
// uuids and canaries), but the ids a finding shows and the database a run
// leaves behind would depend on what ran before. Rewinding is safe only
// because every row that took one of the values is gone again; a writer
// outside the run using the same sequences meanwhile would get values
// that repeat: tenantfuzz needs a database of its own.
func restoreSequences(ctx context.Context, q dbRunner, before map[string]seqState) error {
	after, err := readSequences(ctx, q)
	if err != nil {
		return err
	}
	for name, a := range after {
		b, ok := before[name]
		if !ok || sameValue(a.last, b.last) {
			continue
		}
		sql := "SELECT setval($1::regclass, $2, true)"
		v := int64(0)
		if b.last != nil {
			v = *b.last
		} else {
			sql, v = "SELECT setval($1::regclass, $2, false)", b.start
		}
		if _, err := q.Exec(ctx, sql, name, v); err != nil {
			return fmt.Errorf("rewind sequence %s: %w", name, err)
		}
	}
	return nil
}

func sameValue(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// querier runs queries (a pool, a connection or a transaction).
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// dbRunner runs statements and queries.
type dbRunner interface {
	Execer
	querier
}

// KeepSequences reads the database's sequences and returns what rewinds
// those that moved since (restoreSequences): the runners call it around
// each subject, so a property leaves the sequences as it found them.
func (tg *Target) KeepSequences(ctx context.Context) func() error {
	before, err := readSequences(ctx, tg.Pool)
	if err != nil {
		return func() error { return err }
	}
	return func() error { return restoreSequences(context.WithoutCancel(ctx), tg.Pool, before) }
}
