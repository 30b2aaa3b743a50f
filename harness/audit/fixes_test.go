package audit_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// TestFixesApply: on each seeded defect, every result that suggests SQL
// (FixSQL) has SQL that PostgreSQL runs as it stands, and once all of them
// ran the results they fix are gone. Results without FixSQL say their fix
// in words, with no placeholder dressed up as SQL.
func TestFixesApply(t *testing.T) {
	t.Parallel()
	for overlay := range defects {
		t.Run(strings.TrimSuffix(overlay, ".sql"), func(t *testing.T) {
			t.Parallel()
			tg := sharedTarget(t, harness.Config{}, filepath.Join("testdata", overlay))
			before := audited(t, tg)
			fixed := map[string]string{}
			ctx := context.Background()
			for _, r := range before.Results {
				if strings.Contains(r.Fix, "<") || strings.Contains(r.FixSQL, "<") {
					t.Errorf("%s: fix has a placeholder: %q", r.Key(), r.Fix)
				}
				if r.FixSQL == "" {
					continue
				}
				fixed[r.Key()] = r.FixSQL
				if _, err := tg.Pool.Exec(ctx, serverRoles(tg, r.FixSQL)); err != nil {
					t.Errorf("%s: fix %q does not apply: %v", r.Key(), r.FixSQL, err)
				}
			}
			if len(fixed) == 0 {
				return
			}
			cat, err := catalog.Load(ctx, tg.Pool, catalog.Options{AppRole: tg.Config.AppRole, TenantColumn: tg.Catalog.TenantColumn})
			if err != nil {
				t.Fatalf("reload catalog: %v", err)
			}
			tg.Catalog = cat
			for _, r := range audited(t, tg).Results {
				if fix, ok := fixed[r.Key()]; ok {
					t.Errorf("%s still fires after its fix %q: %s", r.Key(), fix, r.Message)
				}
			}
		})
	}
}

// serverRoles spells the roles in sql as the shared server names them.
func serverRoles(tg *harness.Target, sql string) string {
	for file, server := range tg.Roles {
		sql = regexp.MustCompile(`\b`+regexp.QuoteMeta(file)+`\b`).ReplaceAllString(sql, server)
	}
	return sql
}

// TestFixTypes: a suggested policy compares the tenant context with the
// tenant column's own type: no ::uuid on a varchar(36) tenant column, and
// the SQL applies there.
func TestFixTypes(t *testing.T) {
	t.Parallel()
	tg := sharedTarget(t, harness.Config{}, filepath.Join("testdata", "varchar_tenant.sql"))
	rep := audited(t, tg)
	var seen bool
	for _, r := range rep.Results {
		if r.Relation != "notes" || r.FixSQL == "" {
			continue
		}
		seen = true
		if strings.Contains(r.FixSQL, "::uuid") {
			t.Errorf("%s: fix casts to uuid on a varchar tenant column: %s", r.Key(), r.FixSQL)
		}
		if _, err := tg.Pool.Exec(context.Background(), serverRoles(tg, r.FixSQL)); err != nil {
			t.Errorf("%s: fix %q does not apply: %v", r.Key(), r.FixSQL, err)
		}
	}
	if !seen {
		t.Fatalf("no result with a SQL fix on notes: %v", rep.Results)
	}
}
