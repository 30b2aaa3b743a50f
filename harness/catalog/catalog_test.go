package catalog_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

func TestReferenceSchema(t *testing.T) {
	cat := testenv.Target(t).Catalog
	var names []string
	for _, r := range cat.TenantTables() {
		names = append(names, r.String())
	}
	if want := []string{"tenants", "users", "documents", "document_chunks"}; !reflect.DeepEqual(names, want) {
		t.Errorf("TenantTables() = %v, want %v (foreign-key order)", names, want)
	}
	if cat.TenantsTable == nil || cat.TenantsTable.Name != "tenants" {
		t.Fatalf("TenantsTable = %v, want tenants", cat.TenantsTable)
	}
	for _, r := range cat.TenantTables() {
		if !r.RLSEnabled || !r.RLSForced {
			t.Errorf("%s: RLS enabled=%v forced=%v, want both", r, r.RLSEnabled, r.RLSForced)
		}
		if len(r.Policies) != 1 || r.Policies[0].Command != "ALL" || !r.Policies[0].Permissive ||
			!strings.Contains(r.Policies[0].Using, "current_setting('app.tenant_id'") || r.Policies[0].Using != r.Policies[0].WithCheck {
			t.Errorf("%s: policies = %+v, want one permissive ALL policy with equal USING and WITH CHECK", r, r.Policies)
		}
		if r.Owner != "tenantfuzz_owner" {
			t.Errorf("%s: owner = %s, want tenantfuzz_owner", r, r.Owner)
		}
		if r.Priv.Truncate || r.Priv.References || !r.Priv.Select {
			t.Errorf("%s: app_user privileges = %+v", r, r.Priv)
		}
		if r != cat.TenantsTable && r.TenantColumn != "tenant_id" {
			t.Errorf("%s: tenant column = %q", r, r.TenantColumn)
		}
	}
	docs := cat.Relation("documents")
	if got := docs.Priv; !got.Insert || !got.Update || !got.Delete {
		t.Errorf("documents: app_user lacks DML: %+v", got)
	}
	if cat.TenantsTable.Priv.Insert {
		t.Errorf("tenants: app_user may INSERT, want SELECT only")
	}
	var fk *catalog.ForeignKey
	for i := range docs.ForeignKeys {
		if docs.ForeignKeys[i].RefTable == "public.users" {
			fk = &docs.ForeignKeys[i]
		}
	}
	if fk == nil || !reflect.DeepEqual(fk.Columns, []string{"tenant_id", "user_id"}) || !reflect.DeepEqual(fk.RefColumns, []string{"tenant_id", "id"}) {
		t.Errorf("documents -> users foreign key = %+v", fk)
	}
	if !reflect.DeepEqual(docs.PrimaryKey, []string{"id"}) {
		t.Errorf("documents primary key = %v", docs.PrimaryKey)
	}
	users := cat.Relation("users")
	if !containsKey(users.Uniques, "tenant_id,email") || !containsKey(users.Uniques, "tenant_id,id") {
		t.Errorf("users uniques = %v", users.Uniques)
	}
	if c := cat.TenantsTable.Column("tier"); c == nil || !reflect.DeepEqual(c.Allowed, []string{"shared", "dedicated"}) {
		t.Errorf("tenants.tier allowed values = %+v", c)
	}
	if c := docs.Column("user_id"); c == nil || c.NotNull || c.BaseType != "uuid" {
		t.Errorf("documents.user_id = %+v, want nullable uuid", c)
	}
	var setTenant *catalog.Function
	for _, f := range cat.Functions {
		if f.Name == "set_tenant" {
			setTenant = f
		}
	}
	if setTenant == nil || !setTenant.Execute || setTenant.SecurityDefiner || !strings.Contains(setTenant.Source, "true") {
		t.Errorf("set_tenant = %+v", setTenant)
	}
}

// TestOverlayObjectsAreFound: what an overlay adds is found by
// introspection, not by name.
func TestOverlayObjectsAreFound(t *testing.T) {
	overlay := t.TempDir() + "/extra.sql"
	sql := `
CREATE TABLE notes (id bigint PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id), body text);
CREATE TABLE documents_archive () INHERITS (documents);
CREATE VIEW doc_titles AS SELECT id, tenant_id, title FROM documents;
CREATE MATERIALIZED VIEW doc_counts AS SELECT tenant_id, count(*) FROM documents GROUP BY tenant_id;
GRANT SELECT ON doc_titles, doc_counts, notes, documents_archive TO app_user;
GRANT TRUNCATE ON notes TO app_user;
CREATE POLICY extra ON documents FOR SELECT USING (doc_type = 'public');
ALTER TABLE documents NO FORCE ROW LEVEL SECURITY;
`
	if err := os.WriteFile(overlay, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := testenv.Target(t, overlay).Catalog
	notes := cat.Relation("notes")
	if notes == nil || notes.TenantColumn != "tenant_id" || notes.RLSEnabled || !notes.Priv.Truncate {
		t.Fatalf("notes = %+v", notes)
	}
	arch := cat.Relation("documents_archive")
	if arch == nil || !reflect.DeepEqual(arch.Parents, []string{"public.documents"}) {
		t.Errorf("documents_archive parents = %+v", arch)
	}
	if v := cat.Relation("doc_titles"); v == nil || v.Kind != catalog.KindView || v.SecurityInvoker || !v.Priv.Select || v.ViewDefinition == "" {
		t.Errorf("doc_titles = %+v", v)
	}
	if v := cat.Relation("doc_counts"); v == nil || v.Kind != catalog.KindMatView {
		t.Errorf("doc_counts = %+v", v)
	}
	docs := cat.Relation("documents")
	if docs.RLSForced || len(docs.Policies) != 2 {
		t.Errorf("documents forced=%v policies=%d, want not forced and 2 policies", docs.RLSForced, len(docs.Policies))
	}
	var readable []string
	for _, r := range cat.Readable() {
		readable = append(readable, r.String())
	}
	for _, want := range []string{"doc_counts", "doc_titles", "documents_archive", "notes"} {
		if !strings.Contains(strings.Join(readable, ","), want) {
			t.Errorf("Readable() = %v, missing %s", readable, want)
		}
	}
}

func containsKey(keys [][]string, want string) bool {
	for _, k := range keys {
		if strings.Join(k, ",") == want {
			return true
		}
	}
	return false
}

func TestCheckBounds(t *testing.T) {
	for def, want := range map[string][2]float64{
		"CHECK (((priority >= 1) AND (priority <= 5)))":             {1, 5},
		"CHECK ((priority > 0))":                                    {1, 0},
		"CHECK (((priority >= '-3'::integer) AND (priority < 10)))": {-3, 9},
	} {
		cols, _, _, ok, err := catalog.ParseCheck(def, "")
		if err != nil || !ok || cols["priority"] == nil {
			t.Fatalf("%s: %v %v %v", def, cols, ok, err)
		}
		c := cols["priority"]
		if c.Min == nil || *c.Min != want[0] || (want[1] != 0 && (c.Max == nil || *c.Max != want[1])) {
			t.Errorf("%s: min %v max %v, want %v", def, c.Min, c.Max, want)
		}
	}
}
