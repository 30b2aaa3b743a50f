package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/generators"
)

// CheckContextSQL runs the --context-sql statement once before any
// property, as the application role, with the id generated worlds give
// their first tenant, in a transaction rolled back. A statement that does
// not parse, names what does not exist or that the role may not run
// (SQLSTATE class 42) fails here, once, instead of in every check of every
// property. Other errors may depend on the world's rows (a function that
// looks the tenant up), which this check does not insert: they pass here
// and are reported by the properties. Without --context-sql it does
// nothing.
func (tg *Target) CheckContextSQL(ctx context.Context) error {
	if tg.Config.ContextSQL == "" || tg.Strategy == nil || tg.Strategy.Name != "sql" {
		return nil
	}
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("check --context-sql: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	id := generators.LargeTenants(1)[0].ID
	_, err = tg.applyContext(ctx, tx, func(q Execer) error { return tg.Strategy.Set(ctx, q, tg, id) })
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "42") {
		return nil
	}
	return fmt.Errorf("--context-sql does not run as the application role %s: %s (SQLSTATE %s): fix the statement (the tenant id is $1) or grant the role what it uses",
		tg.Config.AppRole, pe.Message, pe.Code)
}
