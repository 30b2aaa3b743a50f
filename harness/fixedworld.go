package harness

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// FixedWorld returns a deterministic world of two tenants in which each
// tenant holds at least one row of every tenant table the schema accepts
// rows for: the first of the seeds 1..64 whose world, inserted in a
// rolled-back transaction, keeps such rows (rows the schema refuses are
// dropped). It is the world of the pgTAP regression suite
// (harness/pgtap.Regression). It errs when no seed gives one.
func (tg *Target) FixedWorld(ctx context.Context, maxRows int) (*generators.World, error) {
	gen := generators.WorldGen(tg.Catalog, generators.WorldOptions{MinTenants: 2, MaxTenants: 2, MaxRows: maxRows})
	var best *generators.World
	bestScore := -1
	for seed := 1; seed <= 64; seed++ {
		w := gen.Example(seed)
		if err := tg.dropRefused(ctx, w); err != nil {
			return nil, err
		}
		score := 0
		for _, rel := range tg.Catalog.TenantTables() {
			var has [2]bool
			for _, r := range w.RowsOf(rel) {
				if !r.Global && r.Tenant >= 0 && r.Tenant < 2 {
					has[r.Tenant] = true
				}
			}
			if has[0] && has[1] {
				score++
			}
		}
		if score == len(tg.Catalog.TenantTables()) {
			return w, nil
		}
		if score > bestScore {
			best, bestScore = w, score
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no world of two tenants fits the schema")
	}
	return best, nil
}

// dropRefused inserts w in a transaction that is rolled back, dropping the
// rows the schema refuses.
func (tg *Target) dropRefused(ctx context.Context, w *generators.World) error {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	_, err = loadWorld(ctx, tx, w)
	return err
}

// ContextScript is the SQL that sets tenantID's context ("" for none).
func (tg *Target) ContextScript(tenantID string) string { return tg.Strategy.Script(tg, tenantID) }

// EmptyContextScript is the SQL that leaves an empty context.
func (tg *Target) EmptyContextScript() []string {
	var out []string
	for _, s := range tg.Strategy.Settings(tg) {
		out = append(out, "SELECT set_config("+catalog.QuoteLiteral(s)+", '', true)")
	}
	return out
}

// RoleFor is the role tenantID's statements run as.
func (tg *Target) RoleFor(tenantID string) string {
	if tenantID != "" && tg.Strategy.Role != nil {
		return tg.Strategy.Role(tg, tenantID)
	}
	return tg.Config.AppRole
}
