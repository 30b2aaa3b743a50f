package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// errPlanCacheNotApplicable marks a plan-cache subject the probe cannot
// run on: no relation where row security applies to the probe's roles.
var errPlanCacheNotApplicable = ErrNotApplicable

// planCacheRelations lists the relations the plan-cache probe can run on:
// tenant tables with a tenant column that the application role may read
// and on which row security is active for a role that is a member of the
// application role (the probe's roles are). Where the application role
// bypasses row security through privileges its members inherit (it owns
// the table or is a member of its owner, and RLS is not forced), or RLS is
// off, every plan sees every row: there is no policy for a cached plan to
// keep applying, and the read properties report the bypass itself.
func (tg *Target) planCacheRelations(ctx context.Context) ([]*catalog.Relation, error) {
	app := tg.Config.AppRole
	var cands []*catalog.Relation
	for _, r := range tg.Catalog.TenantTables() {
		if r.Priv.Select && r.TenantColumn != "" {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: no table with a tenant column that %s may read", errPlanCacheNotApplicable, app)
	}
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "CREATE ROLE tf_plan_probe NOLOGIN IN ROLE "+catalog.QuoteIdent(app)+"; SET LOCAL ROLE tf_plan_probe"); err != nil {
		return nil, fmt.Errorf("set up plan-cache role (needs CREATEROLE): %w", err)
	}
	var rels []*catalog.Relation
	var off []string
	for _, r := range cands {
		var active bool
		if err := tx.QueryRow(ctx, "SELECT row_security_active($1::regclass)", r.QualifiedName()).Scan(&active); err != nil {
			return nil, fmt.Errorf("check row security on %s: %w", r, err)
		}
		if active {
			rels = append(rels, r)
			continue
		}
		off = append(off, r.String()+" ("+tg.rowSecurityOff(ctx, r)+")")
	}
	if len(rels) == 0 {
		return nil, fmt.Errorf("%w: row security does not apply to %s on any table it reads: %s; every plan sees every row, so no cached plan can keep a policy that should have changed (the read properties report the bypass)",
			errPlanCacheNotApplicable, app, strings.Join(off, "; "))
	}
	return rels, nil
}

// rowSecurityOff says why row security does not apply to the application
// role's members on rel, as far as the catalog tells.
func (tg *Target) rowSecurityOff(ctx context.Context, rel *catalog.Relation) string {
	var enabled, forced, member bool
	var owner string
	err := tg.Pool.QueryRow(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity, o.rolname, pg_has_role($2, c.relowner, 'USAGE')
FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner WHERE c.oid = $1::regclass`, rel.QualifiedName(), tg.Config.AppRole).Scan(&enabled, &forced, &owner, &member)
	switch {
	case err != nil:
		return "row security not active"
	case !enabled:
		return "row-level security is not enabled"
	case member && owner == tg.Config.AppRole:
		return tg.Config.AppRole + " owns it and RLS is not forced"
	case member:
		return tg.Config.AppRole + " is a member of its owner " + owner + " and RLS is not forced"
	}
	return "row security not active"
}
