package harness_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// profilesSchema: a profiles directory every signed-in user may read,
// with a nullable "last tenant used" key that makes the detection treat
// it as owned through tenants; projects (tenant column) reference it.
const profilesSchema = `
CREATE ROLE app_user;
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE profiles (id uuid PRIMARY KEY, display_name text NOT NULL, last_tenant uuid REFERENCES tenants (id));
CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id),
    owner_id uuid NOT NULL REFERENCES profiles (id), name text NOT NULL);
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON tenants USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY directory ON profiles FOR SELECT USING (true);
CREATE POLICY own ON projects USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT ON tenants, profiles, countries TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
`

// TestGlobalOverride: detected as owned through its nullable key, the
// profiles directory gives read-isolation a finding (every tenant reads
// every profile, by design); declared --global it is not applicable,
// listed as global by the flag, and projects, which reference it, stay
// clean. --owned on a table with no way to a tenant, --global on a table
// with the tenant column, and unknown names fail with the reason.
func TestGlobalOverride(t *testing.T) {
	ctx := context.Background()
	schema := []harness.SQLFile{{Name: "profiles.sql", SQL: profilesSchema}}
	opts := harness.RunOptions{Checks: 25, Seed: 7, ShrinkTime: time.Second}

	detected := testenv.TargetWith(t, harness.Config{Schema: schema})
	profiles := detected.Catalog.Relation("profiles")
	if profiles.Parent == nil {
		t.Fatalf("the detection no longer treats profiles as owned: the override is untested")
	}
	if res := harness.ReadIsolation.Run(ctx, detected, profiles, opts); len(res.Findings) == 0 {
		t.Fatalf("detected as owned, profiles gave no finding (verdict %s, err %v): the control fails", res.Verdict, res.Err)
	}

	// The same database, its catalog read with the overrides.
	for _, c := range []struct {
		opts catalog.Options
		want string
	}{
		{catalog.Options{Owned: []string{"countries"}}, `--owned countries: countries has no "tenant_id" column and no foreign key`},
		{catalog.Options{Global: []string{"projects"}}, `--global projects: projects has the tenant column "tenant_id"`},
		{catalog.Options{Global: []string{"tenants"}}, "is the tenants table"},
		{catalog.Options{Global: []string{"profile"}}, "--global profile: no table profile in the schema (tables without the tenant column: countries, profiles, tenants)"},
		{catalog.Options{Global: []string{"profiles"}, Owned: []string{"profiles"}}, "keep one of the two"},
	} {
		if _, err := catalog.Load(ctx, detected.Pool, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.opts, err, c.want)
		}
	}
	cat, err := catalog.Load(ctx, detected.Pool, catalog.Options{Owned: []string{"profiles", "projects"}})
	if err != nil || cat.Relation("profiles").Parent == nil {
		t.Errorf("--owned on owned tables: %v", err)
	}

	declared := testenv.TargetWith(t, harness.Config{Schema: schema, Global: []string{"profiles"}})
	profiles = declared.Catalog.Relation("profiles")
	if declared.Catalog.Owned(profiles) {
		t.Fatal("--global profiles: still owned")
	}
	res := harness.ReadIsolation.Run(ctx, declared, profiles, opts)
	if res.Verdict != harness.VerdictNotApplicable || !strings.Contains(res.Reason, "--global") {
		t.Errorf("--global profiles: verdict %s (%s), want not applicable naming --global", res.Verdict, res.Reason)
	}
	if res := harness.ReadIsolation.Run(ctx, declared, declared.Catalog.Relation("projects"), opts); res.Verdict != harness.VerdictPass {
		t.Errorf("projects with global profiles: verdict %s (%s) err=%v findings=%v", res.Verdict, res.Reason, res.Err, res.Findings)
	}
	got := map[string]string{}
	for _, tr := range declared.Catalog.Tenancy() {
		got[tr.Relation] = tr.Treated + "/" + tr.By
	}
	want := map[string]string{"tenants": "tenants table/detected", "projects": "tenant column/detected",
		"profiles": "support/--global", "countries": "global/detected"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("tenancy of %s: %s, want %s (all: %v)", k, got[k], v, got)
		}
	}
	if tr := detected.Catalog.Tenancy(); len(tr) != 4 {
		t.Errorf("tenancy lists %d tables, want 4: %+v", len(tr), tr)
	} else {
		for _, x := range tr {
			if x.Relation == "profiles" && (x.Treated != "owned through profiles_last_tenant_fkey" || x.Parent != "tenants") {
				t.Errorf("detected profiles: %+v", x)
			}
		}
	}
}
