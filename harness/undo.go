package harness

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// createdTable holds the rows one transaction created in one table, by
// their ctid (a committed world's rows are never updated: the checks only
// read them).
type createdTable struct {
	oid   uint32
	name  string // quoted, qualified
	ctids []string
}

// createdRows lists, at the end of a repeatable-read transaction that
// inserted a world, the rows it created in every table: the world's
// tables and every table the backend's statistics show rows written to
// (pg_stat_xact_user_tables; on PostgreSQL 15 it also counts earlier,
// unflushed transactions of the connection, which only adds candidates),
// so rows the schema's triggers wrote, into tables the generator knows
// nothing of (a profile per new user), are found too. The rows are those
// whose xmin is the transaction or one of its subtransactions (age(xmin)
// <= 0: no older transaction, and under repeatable read no newer one is
// visible).
//
// A world whose insert updated or deleted rows that were there before (a
// trigger keeping a counter on a seeded row) cannot be undone by deleting
// what it created: other reads the count of older rows outside the
// transaction, and a difference is an error naming the table, before
// anything is committed.
func createdRows(ctx context.Context, tx pgx.Tx, other querier, world []string) ([]createdTable, error) {
	rows, err := tx.Query(ctx, `SELECT c.oid::int8, format('%I.%I', n.nspname, c.relname)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_xact_user_tables s ON s.relid = c.oid
		WHERE c.relkind = 'r' AND (s.n_tup_ins + s.n_tup_upd + s.n_tup_del > 0 OR c.oid = ANY($1::text[]::regclass[])) ORDER BY 2`, world)
	if err != nil {
		return nil, fmt.Errorf("commit world: list the tables it wrote: %w", err)
	}
	var tables []createdTable
	for rows.Next() {
		var t createdTable
		var oid int64
		if err := rows.Scan(&oid, &t.name); err != nil {
			return nil, fmt.Errorf("commit world: list the tables it wrote: %w", err)
		}
		t.oid = uint32(oid)
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("commit world: list the tables it wrote: %w", err)
	}
	var out []createdTable
	for _, t := range tables {
		var older, before int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(array_agg(ctid::text) FILTER (WHERE age(xmin) <= 0), '{}'), count(*) FILTER (WHERE age(xmin) > 0) FROM ONLY "+t.name).Scan(&t.ctids, &older); err != nil {
			return nil, fmt.Errorf("commit world: find its rows in %s: %w", t.name, err)
		}
		rows, err := other.Query(ctx, "SELECT count(*) FROM ONLY "+t.name)
		if err == nil {
			before, err = pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
		}
		if err != nil {
			return nil, fmt.Errorf("commit world: count the rows of %s: %w", t.name, err)
		}
		if older != before {
			return nil, fmt.Errorf("commit world: inserting it also updated or deleted %d rows that were in %s before (a trigger?): deleting the world afterwards would not restore them; run the properties that commit worlds (pool-isolation) on a schema without such triggers", before-older, t.name)
		}
		if len(t.ctids) > 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// deleteCreated deletes the rows a committed world created (createdRows),
// rewinds the sequences to before (restoreSequences) and refreshes the
// materialized views, in one transaction. A superuser deletes with
// session_replication_role = replica: exactly those rows, no cascades and
// no user triggers (an audit trigger would write new rows); otherwise the
// tables go children first and the schema's delete triggers fire (what
// they write stays: a limit).
func (tg *Target) deleteCreated(ctx context.Context, created []createdTable, seqs map[string]seqState) error {
	err := pgx.BeginFunc(ctx, tg.Pool, func(tx pgx.Tx) error {
		if tg.DB.Superuser {
			if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
				return err
			}
		}
		order, err := childrenFirst(ctx, tx, created)
		if err != nil {
			return err
		}
		for _, t := range order {
			tag, err := tx.Exec(ctx, "DELETE FROM ONLY "+t.name+" WHERE ctid = ANY($1::text[]::tid[])", t.ctids)
			if err != nil {
				return fmt.Errorf("delete its rows from %s: %w", t.name, err)
			}
			if n := tag.RowsAffected(); n != int64(len(t.ctids)) {
				return fmt.Errorf("%d of its %d rows of %s were changed after the commit (by a check?): they stay", int64(len(t.ctids))-n, len(t.ctids), t.name)
			}
		}
		if err := refreshMatViews(ctx, tx, tg.Catalog); err != nil {
			return err
		}
		return restoreSequences(ctx, tx, seqs)
	})
	if err != nil {
		return fmt.Errorf("undo committed world: %w", err)
	}
	return nil
}

// childrenFirst orders the tables so that a table referencing another by
// a foreign key comes before it (partitions of a referenced partitioned
// table count as referenced); cycles keep their order.
func childrenFirst(ctx context.Context, tx pgx.Tx, tables []createdTable) ([]createdTable, error) {
	rows, err := tx.Query(ctx, `SELECT conrelid::int8, confrelid::int8 FROM pg_constraint WHERE contype = 'f'
		UNION SELECT c.conrelid::int8, p.relid::int8 FROM pg_constraint c, pg_partition_tree(c.confrelid) p WHERE c.contype = 'f'`)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	refs := map[uint32][]uint32{} // child -> parents
	for rows.Next() {
		var child, parent int64
		if err := rows.Scan(&child, &parent); err != nil {
			return nil, fmt.Errorf("read foreign keys: %w", err)
		}
		if child != parent {
			refs[uint32(child)] = append(refs[uint32(child)], uint32(parent))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	// A table may go once no remaining table references it.
	left := slices.Clone(tables)
	var out []createdTable
	for len(left) > 0 {
		next := -1
		for i, t := range left {
			referenced := false
			for j, o := range left {
				if j != i && slices.Contains(refs[o.oid], t.oid) {
					referenced = true
					break
				}
			}
			if !referenced {
				next = i
				break
			}
		}
		if next < 0 {
			next = 0 // a cycle: let the database say whether it can go
		}
		out = append(out, left[next])
		left = slices.Delete(left, next, next+1)
	}
	return out, nil
}
