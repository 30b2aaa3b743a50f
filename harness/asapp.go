package harness

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// QueryAs inserts the world (as the admin role, in a transaction that is
// rolled back) and runs sql once: as the application role with tenant's
// context, or, with tenant -1, as the admin role (bypassing RLS: the ground
// truth of what the world holds). Values come back as text, nil for NULL.
func (tg *Target) QueryAs(ctx context.Context, w *generators.World, tenant int, sql string) ([][]*string, error) {
	admin, each, err := tg.queryIn(ctx, w, sql, []int{tenant})
	if err != nil {
		return nil, err
	}
	if tenant < 0 {
		return admin, nil
	}
	return each[0], nil
}

// QueryEach is QueryAs for the admin role and every tenant of the world,
// in one transaction: admin rows first, then the rows each tenant sees, by
// tenant index.
func (tg *Target) QueryEach(ctx context.Context, w *generators.World, sql string) (admin [][]*string, byTenant [][][]*string, err error) {
	tenants := make([]int, len(w.Tenants))
	for i := range tenants {
		tenants[i] = i
	}
	return tg.queryIn(ctx, w, sql, tenants)
}

func (tg *Target) queryIn(ctx context.Context, w *generators.World, sql string, tenants []int) ([][]*string, [][][]*string, error) {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '5s'"); err != nil {
		return nil, nil, fmt.Errorf("set statement_timeout: %w", err)
	}
	if _, err := loadWorld(ctx, tx, w); err != nil {
		return nil, nil, err
	}
	admin := query(ctx, tx, "", sql)
	if admin.err != nil {
		return nil, nil, fmt.Errorf("query as the admin role: %w", admin.err)
	}
	var each [][][]*string
	for _, t := range tenants {
		if t < 0 {
			each = append(each, admin.rows)
			continue
		}
		if ok, err := tg.setContext(ctx, tx, ctxTenant, t, w); err != nil || !ok {
			return nil, nil, fmt.Errorf("set the context of %s: %w", w.Tenants[t].Label, err)
		}
		rs := query(ctx, tx, "SET LOCAL ROLE "+catalog.QuoteIdent(tg.tenantRole(w, t))+";", sql)
		if rs.err != nil {
			return nil, nil, fmt.Errorf("query as %s: %w", w.Tenants[t].Label, rs.err)
		}
		each = append(each, rs.rows)
	}
	return admin.rows, each, nil
}
