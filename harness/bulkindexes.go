package harness

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// deferredIndexes are the indexes and constraints BulkLoad drops before
// its COPY and builds again after it, as pgbench -i builds its primary keys
// after loading: one sort per index instead of a B-tree insertion per row
// and index (the reference schema's tables have three unique indexes
// each). The database is the harness's own, the load runs in one
// transaction (a failure rolls the drops back), and every object comes
// back under its name from its own definition (pg_get_indexdef,
// pg_get_constraintdef), so the schema afterwards is the one before (a
// test compares pg_dump --schema-only).
//
// Foreign keys come back NOT VALID and are then marked validated in
// pg_constraint, as they were: the loaded rows reference their own
// tenant's parents by construction (TestBulkLoad checks it with every
// trigger firing), and the load already runs them unchecked
// (session_replication_role = replica), so validating would rescan every
// table to learn nothing. That is why only a superuser load defers.
//
// Limits: objects a plain re-creation would not restore exactly are left
// in place and maintained row by row: indexes of partitions and
// partitioned tables, indexes with a comment, a tablespace, CLUSTER or
// REPLICA IDENTITY marks, per-column statistics targets, or anything but a
// deferred foreign key depending on them; constraints with a comment or
// whose index has another name; foreign keys inherited from a partitioned
// parent.
type deferredIndexes struct {
	// fks are the foreign keys dropped.
	fks []deferredFK
	// idx are the indexes dropped, in creation order.
	idx []deferredIndex
}

// deferredFK is a foreign key: its table (regclass text), its name
// (unquoted), its definition and whether it was validated.
type deferredFK struct {
	table, name, def string
	validated        bool
}

// deferredIndex is an index: its table and itself (regclass text), its
// name (quoted).
type deferredIndex struct {
	table, reg, name string
	// constraint is the definition of the primary key, unique or exclusion
	// constraint the index implements ("": a plain index, def creates it).
	constraint, def string
}

// deferFKsSQL lists the foreign keys of the tables that may be dropped.
const deferFKsSQL = `
SELECT con.oid, con.conrelid::regclass::text, con.conname, pg_get_constraintdef(con.oid), con.convalidated
FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid
WHERE con.contype = 'f' AND con.conrelid = ANY ($1::text[]::regclass[]) AND con.conparentid = 0
  AND t.relkind = 'r' AND NOT t.relispartition
  AND obj_description(con.oid, 'pg_constraint') IS NULL
ORDER BY con.oid`

// deferIndexesSQL lists the indexes of the tables that a re-creation
// restores exactly, with the constraints they implement and the
// constraints depending on them (which must all be deferred foreign keys).
const deferIndexesSQL = `
SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, quote_ident(ic.relname), pg_get_indexdef(i.indexrelid),
       coalesce(pg_get_constraintdef(con.oid), ''),
       ARRAY(SELECT CASE WHEN d.classid = 'pg_constraint'::regclass THEN d.objid ELSE 0 END
             FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
WHERE i.indrelid = ANY ($1::text[]::regclass[])
  AND t.relkind = 'r' AND NOT t.relispartition AND ic.relkind = 'i'
  AND i.indisvalid AND i.indisready AND NOT i.indisclustered AND NOT i.indisreplident
  AND ic.reltablespace = 0
  AND obj_description(i.indexrelid, 'pg_class') IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0)
  AND (con.oid IS NULL OR (con.conname = ic.relname AND obj_description(con.oid, 'pg_constraint') IS NULL))
ORDER BY i.indexrelid`

// readDeferred finds what deferIndexes may drop on the tables (quoted
// qualified names).
func readDeferred(ctx context.Context, tx pgx.Tx, tables []string) (*deferredIndexes, error) {
	d := &deferredIndexes{}
	fkOIDs := map[uint32]bool{}
	rows, err := tx.Query(ctx, deferFKsSQL, tables)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid uint32
		var fk deferredFK
		if err := rows.Scan(&oid, &fk.table, &fk.name, &fk.def, &fk.validated); err != nil {
			rows.Close()
			return nil, err
		}
		fkOIDs[oid] = true
		d.fks = append(d.fks, fk)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, deferIndexesSQL, tables)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ix deferredIndex
		var dependents []uint32
		if err := rows.Scan(&ix.table, &ix.reg, &ix.name, &ix.def, &ix.constraint, &dependents); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(dependents, func(o uint32) bool { return !fkOIDs[o] }) {
			continue // something besides a deferred foreign key needs it
		}
		d.idx = append(d.idx, ix)
	}
	return d, rows.Err()
}

// drop drops the foreign keys, then the indexes and their constraints.
func (d *deferredIndexes) drop(ctx context.Context, tx pgx.Tx) error {
	for _, fk := range d.fks {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+fk.table+" DROP CONSTRAINT "+catalog.QuoteIdent(fk.name)); err != nil {
			return fmt.Errorf("drop foreign key %s on %s: %w", fk.name, fk.table, err)
		}
	}
	for _, ix := range d.idx {
		sql := "DROP INDEX " + ix.reg
		if ix.constraint != "" {
			sql = "ALTER TABLE " + ix.table + " DROP CONSTRAINT " + ix.name
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("drop index %s on %s: %w", ix.name, ix.table, err)
		}
	}
	return nil
}

// restore builds the indexes and constraints again, then the foreign keys
// (NOT VALID, marked validated as they were: see deferredIndexes).
func (d *deferredIndexes) restore(ctx context.Context, tx pgx.Tx) error {
	for _, ix := range d.idx {
		sql := ix.def
		if ix.constraint != "" {
			sql = "ALTER TABLE " + ix.table + " ADD CONSTRAINT " + ix.name + " " + ix.constraint
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("build index %s on %s: %w", ix.name, ix.table, err)
		}
	}
	for _, fk := range d.fks {
		sql := "ALTER TABLE " + fk.table + " ADD CONSTRAINT " + catalog.QuoteIdent(fk.name) + " " + fk.def
		if fk.validated {
			sql += " NOT VALID"
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("add foreign key %s on %s: %w", fk.name, fk.table, err)
		}
		if !fk.validated {
			continue
		}
		// The key and its clones (one per partition of a partitioned
		// referenced table).
		if _, err := tx.Exec(ctx, `UPDATE pg_catalog.pg_constraint SET convalidated = true WHERE oid IN (
			WITH RECURSIVE k AS (SELECT oid FROM pg_catalog.pg_constraint WHERE conrelid = $1::regclass AND conname = $2 AND contype = 'f'
				UNION ALL SELECT c.oid FROM pg_catalog.pg_constraint c JOIN k ON c.conparentid = k.oid)
			SELECT oid FROM k)`, fk.table, fk.name); err != nil {
			return fmt.Errorf("mark foreign key %s on %s validated: %w", fk.name, fk.table, err)
		}
	}
	return nil
}
