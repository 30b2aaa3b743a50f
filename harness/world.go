package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
)

// InsertSQL renders the world as INSERT statements, one per table in
// generation (foreign-key) order. The same text goes into repro scripts.
func InsertSQL(w *generators.World) []string {
	var out []string
	for i := 0; i < len(w.Rows); {
		j := i
		for j < len(w.Rows) && w.Rows[j].Table == w.Rows[i].Table && sameCols(w.Rows[j].Cols, w.Rows[i].Cols) {
			j++
		}
		out = append(out, insertRows(w.Rows[i:j]))
		i = j
	}
	return out
}

func sameCols(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func insertRows(rows []generators.Row) string {
	var b strings.Builder
	rel := rows[0].Table
	b.WriteString("INSERT INTO " + rel.QualifiedName() + " (")
	for i, c := range rows[0].Cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(") VALUES")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  (")
		for j, c := range r.Cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(r.Values[c])
		}
		b.WriteString(")")
	}
	b.WriteString(";")
	return b.String()
}

// loadWorld inserts the world as the admin role inside tx. When the fast
// path (all tables at once) fails, it falls back to one row at a time under
// savepoints and drops the rows the schema refuses; it returns how many.
func loadWorld(ctx context.Context, tx pgx.Tx, w *generators.World) (dropped int, err error) {
	dropped, err = insertWorld(ctx, tx, w)
	if err != nil {
		return dropped, err
	}
	if refresh := refreshSQL(w); refresh != "" {
		if _, err := tx.Exec(ctx, refresh); err != nil {
			return dropped, fmt.Errorf("refresh materialized views: %w", err)
		}
	}
	return dropped, nil
}

// refreshSQL refreshes every materialized view, so they hold the world's
// rows as a real one would after its next refresh.
func refreshSQL(w *generators.World) string {
	var b strings.Builder
	for _, r := range w.MatViews {
		b.WriteString("REFRESH MATERIALIZED VIEW " + r.QualifiedName() + ";\n")
	}
	return b.String()
}

func insertWorld(ctx context.Context, tx pgx.Tx, w *generators.World) (dropped int, err error) {
	stmts := InsertSQL(w)
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_world;\n"+strings.Join(stmts, "\n")+"\nRELEASE SAVEPOINT tf_world"); err == nil {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_world"); err != nil {
		return 0, fmt.Errorf("insert world: %w", err)
	}
	var refused []int
	for i, r := range w.Rows {
		if _, err := tx.Exec(ctx, "SAVEPOINT tf_row;\n"+insertRows([]generators.Row{r})+"\nRELEASE SAVEPOINT tf_row"); err != nil {
			refused = append(refused, i)
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_row"); err != nil {
				return len(refused), fmt.Errorf("insert world: %w", err)
			}
		}
	}
	if len(refused) == len(w.Rows) {
		return len(refused), fmt.Errorf("insert world: the schema refused every generated row (constraints the generator does not know?)")
	}
	// The ground truth is what was inserted: forget the refused rows.
	w.Drop(refused)
	return len(refused), nil
}
