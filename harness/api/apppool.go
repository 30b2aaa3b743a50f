package api

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// AppPool opens a small pool on dsn whose sessions are the application
// role's (SET SESSION AUTHORIZATION, or SET ROLE without superuser rights):
// the pool the service serves tenants from. tenantfuzz api serve opens it
// on a database another tenantfuzz process created. (NewEnv opens the
// same pool inline; it is left as it is while harness/api is being
// extended on another branch: make it call AppPool after the merge.)
func AppPool(ctx context.Context, dsn, role string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = 4, 0
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// The application's login role as the session's own (RESET ROLE
		// cannot leave it); without superuser rights, SET ROLE.
		if _, err := c.Exec(ctx, "SET SESSION AUTHORIZATION "+catalog.QuoteIdent(role)); err != nil {
			_, err = c.Exec(ctx, "SET ROLE "+catalog.QuoteIdent(role))
			return err
		}
		return nil
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open application pool: %w", err)
	}
	return p, nil
}
