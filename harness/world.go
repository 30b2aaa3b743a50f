package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
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
		b.WriteString(catalog.QuoteIdent(c))
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
	byTable := map[*catalog.Relation]*generators.Refusal{}
	var order []*catalog.Relation
	for i, r := range w.Rows {
		rf := byTable[r.Table]
		if rf == nil {
			rf = &generators.Refusal{Table: r.Table.QualifiedName(), Tenant: !r.Global}
			byTable[r.Table], order = rf, append(order, r.Table)
		}
		rf.Generated++
		if _, err := tx.Exec(ctx, "SAVEPOINT tf_row;\n"+insertRows([]generators.Row{r})+"\nRELEASE SAVEPOINT tf_row"); err != nil {
			refused = append(refused, i)
			if rf.Refused++; rf.Message == "" {
				rf.Message, rf.SQLState = refusalMessage(err), sqlState(err)
			}
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_row"); err != nil {
				return len(refused), fmt.Errorf("insert world: %w", err)
			}
		}
	}
	w.Refused = w.Refused[:0]
	for _, rel := range order {
		if rf := byTable[rel]; rf.Refused > 0 {
			w.Refused = append(w.Refused, *rf)
		}
	}
	if len(refused) == len(w.Rows) {
		return len(refused), fmt.Errorf("insert world: the schema refused every generated row: %s: relax the constraint or report the form the generator does not know", firstRefusal(w.Refused))
	}
	// The ground truth is what was inserted: forget the refused rows.
	w.Drop(refused)
	return len(refused), nil
}

// refusalMessage is PostgreSQL's message for a refused row with its
// SQLSTATE and the constraint it names.
func refusalMessage(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	m := pe.Message + " (SQLSTATE " + pe.Code
	if pe.ConstraintName != "" {
		m += ", constraint " + pe.ConstraintName
	}
	m += ")"
	if pe.Detail != "" && len(pe.Detail) < 200 { // not the failing row's full text
		m += ": " + pe.Detail
	}
	return m
}

// firstRefusal names the first table whose rows were refused and why.
func firstRefusal(rs []generators.Refusal) string {
	for _, r := range rs {
		return fmt.Sprintf("%s refused %d of %d rows, the first with %s", r.Table, r.Refused, r.Generated, r.Message)
	}
	return "no message"
}
