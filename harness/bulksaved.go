package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// savedSchema holds, while a large world is loaded, the rows the schema
// itself put into the tables BulkLoad empties (a seeded lookup table, a
// demo tenant), so DropBulk can put them back.
const savedSchema = "tenantfuzz_saved"

// saveSeeded copies the rows of every non-empty table among rels into
// savedSchema (table i as t<i>) and returns the indexes of those saved.
func saveSeeded(ctx context.Context, tx pgx.Tx, rels []*catalog.Relation) ([]int, error) {
	var saved []int
	for i, r := range rels {
		var seeded bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM ONLY "+r.QualifiedName()+")").Scan(&seeded); err != nil {
			return nil, fmt.Errorf("bulk load: look for seeded rows in %s: %w", r, err)
		}
		if !seeded {
			continue
		}
		if len(saved) == 0 {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+savedSchema); err != nil {
				return nil, fmt.Errorf("bulk load: save seeded rows: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TABLE %s.t%d AS SELECT %s FROM ONLY %s", savedSchema, i, savedColumns(r), r.QualifiedName())); err != nil {
			return nil, fmt.Errorf("bulk load: save the seeded rows of %s: %w", r, err)
		}
		saved = append(saved, i)
	}
	return saved, nil
}

// restoreSeeded puts the saved rows back into their tables (emptied by
// the caller), in the tables' foreign-key order, and drops savedSchema.
func restoreSeeded(ctx context.Context, tx pgx.Tx, rels []*catalog.Relation, saved []int) error {
	for _, i := range saved {
		r := rels[i]
		cols := savedColumns(r)
		sql := fmt.Sprintf("INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s.t%d", r.QualifiedName(), cols, cols, savedSchema, i)
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("drop large world: restore the seeded rows of %s: %w", r, err)
		}
	}
	if len(saved) > 0 {
		if _, err := tx.Exec(ctx, "DROP SCHEMA "+savedSchema+" CASCADE"); err != nil {
			return fmt.Errorf("drop large world: %w", err)
		}
	}
	return nil
}

// savedColumns lists the columns a copy of r's rows keeps: all but the
// generated ones (the server computes those again).
func savedColumns(r *catalog.Relation) string {
	var cols []string
	for _, c := range r.Columns {
		if !c.Generated {
			cols = append(cols, catalog.QuoteIdent(c.Name))
		}
	}
	return strings.Join(cols, ", ")
}

// refreshMatViews refreshes every materialized view of the catalog, so
// that they show the rows just loaded (or restored).
func refreshMatViews(ctx context.Context, q Execer, cat *catalog.Catalog) error {
	for _, r := range cat.Relations {
		if r.Kind != catalog.KindMatView {
			continue
		}
		if _, err := q.Exec(ctx, "REFRESH MATERIALIZED VIEW "+r.QualifiedName()); err != nil {
			return fmt.Errorf("refresh %s: %w", r, err)
		}
	}
	return nil
}
