package harness_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// analyze runs the context analysis over a catalog made of one table with
// the given policy expressions (for PUBLIC) and functions, against a
// statement.
func analyze(using []string, fns []*catalog.Function, statement string) *harness.ContextDiagnosis {
	rel := &catalog.Relation{OID: 1, Schema: "public", Name: "items", Kind: catalog.KindTable, RLSEnabled: true}
	for _, u := range using {
		rel.Policies = append(rel.Policies, catalog.Policy{Name: "p", Command: "ALL", Permissive: true, Roles: []string{"public"}, Using: u})
	}
	rel.Policies = append(rel.Policies, catalog.Policy{Name: "admin", Command: "ALL", Permissive: true, Roles: []string{"admin"},
		Using: "current_setting('admin.scope') = 'all'"})
	cat := &catalog.Catalog{AppRole: "app_user", Relations: []*catalog.Relation{rel}, Functions: fns}
	return harness.AnalyzeContext(harness.ContextInput{Catalog: cat, Strategy: "sql", Statement: statement,
		Applies: func(p catalog.Policy) bool { return p.Roles[0] == "public" }})
}

func sqlFn(oid uint32, schema, name, lang, src string) *catalog.Function {
	return &catalog.Function{OID: oid, Schema: schema, Name: name, Language: lang, Source: src, Kind: "f", Result: "uuid"}
}

// TestAnalyzeContextFollowsFunctions: reads and sets are found through
// user functions, recursion ends, PL/pgSQL bodies without a stored
// definition are rebuilt, and policies for other roles are left out.
func TestAnalyzeContextFollowsFunctions(t *testing.T) {
	fns := []*catalog.Function{
		sqlFn(10, "app", "tenant", "sql", "SELECT app.inner_tenant()"),
		sqlFn(11, "app", "inner_tenant", "plpgsql", "BEGIN IF false THEN RETURN app.tenant(); END IF; RETURN current_setting('app.org')::uuid; END"),
		sqlFn(12, "app", "enter", "plpgsql", "BEGIN PERFORM set_config('app.org', p::text, true); END"),
	}
	fns[2].Result, fns[2].IdentityArgs = "void", "p uuid"
	d := analyze([]string{"(org_id = app.tenant())"}, fns, "select app.enter('x')")
	if d.Undecided != "" || len(d.Unparsed) > 0 {
		t.Fatalf("undecided %q, unparsed %v", d.Undecided, d.Unparsed)
	}
	if !reflect.DeepEqual(d.ReadSettings(), []string{"app.org"}) || !reflect.DeepEqual(d.SetSettings(), []string{"app.org"}) || d.Mismatch() {
		t.Fatalf("reads %v sets %v mismatch %v", d.ReadSettings(), d.SetSettings(), d.Mismatch())
	}
	if got := d.Reads[0].String(); got != "policy p on items via app.tenant(), app.inner_tenant()" {
		t.Errorf("read = %q", got)
	}
	if len(d.Raising()) != 1 {
		t.Errorf("raising = %v, want the read without missing_ok", d.Raising())
	}
}

// TestAnalyzeContextSupabaseAuth: auth.uid() that the database does not
// define reads the request's claims, as Supabase's does.
func TestAnalyzeContextSupabaseAuth(t *testing.T) {
	d := analyze([]string{"(owner_id = auth.uid())"}, nil, "select set_config('app.tenant_id', 'x', true)")
	if !reflect.DeepEqual(d.ReadSettings(), []string{"request.jwt.claims"}) || !d.Mismatch() {
		t.Fatalf("reads %v mismatch %v", d.ReadSettings(), d.Mismatch())
	}
	msg := d.Explain()
	for _, want := range []string{"request.jwt.claims", "app.tenant_id", "via auth.uid()", "--context supabase"} {
		if !strings.Contains(msg, want) {
			t.Errorf("explanation lacks %q: %s", want, msg)
		}
	}
}

// TestAnalyzeContextUndecided: a setting named by a variable, or a body
// the parser cannot read (another language), leaves the comparison open.
func TestAnalyzeContextUndecided(t *testing.T) {
	for name, c := range map[string]struct {
		using     string
		fns       []*catalog.Function
		statement string
	}{
		"dynamic read":   {"org_id = current_setting(lower('APP.ORG'))::uuid", nil, "select set_config('app.tenant_id', 'x', true)"},
		"opaque setter":  {"org_id = current_setting('app.org', true)::uuid", []*catalog.Function{sqlFn(20, "public", "enter", "plv8", "plv8.execute(...)")}, "select enter('x')"},
		"dynamic setter": {"org_id = current_setting('app.org', true)::uuid", nil, "select set_config(current_user || '.org', 'x', true)"},
	} {
		d := analyze([]string{c.using}, c.fns, c.statement)
		if d.Undecided == "" || d.Mismatch() || d.Explain() != "" {
			t.Errorf("%s: undecided %q, mismatch %v", name, d.Undecided, d.Mismatch())
		}
	}
}
