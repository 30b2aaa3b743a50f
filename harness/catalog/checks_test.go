package catalog_test

import (
	"reflect"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestStoredChecks reads the CHECKs of fixtures/constraints/checks.sql in
// the form PostgreSQL stores them (pg_get_constraintdef, the server's own
// rendering: = ANY (ARRAY[...]) with casts, BETWEEN as two comparisons,
// VALUE in domains) and holds the parser to what each one allows.
func TestStoredChecks(t *testing.T) {
	cat := testenv.Target(t, "constraints/checks.sql").Catalog
	rel := cat.Relation("chk_items")
	if rel == nil {
		t.Fatal("chk_items not in the catalog")
	}
	for _, c := range rel.Checks {
		t.Logf("%s (domain %q, understood %v): %s", c.Name, c.Domain, c.Understood, c.Def)
		if !c.Understood {
			t.Errorf("%s not understood: %s", c.Name, c.Def)
		}
	}
	col := func(name string) *catalog.Column {
		c := rel.Column(name)
		if c == nil {
			t.Fatalf("no column %s", name)
		}
		return c
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	eq("status.Allowed", col("status").Allowed, []string{"Active", "Inactive"})
	eq("status.MaxLen", col("status").MaxLen, 20)
	eq("grade.Allowed", col("grade").Allowed, []string{"A", "B", "C"})
	eq("grade.MaxLen", col("grade").MaxLen, 1)
	eq("id.MaxLen", col("id").MaxLen, 36)
	eq("title.MinLen", col("title").MinLen, 1)
	eq("title.Excluded", col("title").Excluded, []string{""})
	eq("name.MinLen/MaxLen", [2]int{col("name").MinLen, col("name").MaxLen}, [2]int{1, 12})
	eq("code.Patterns", col("code").Patterns, []string{"^[A-Z]{3}-[0-9]{2,4}$"})
	eq("handle.Patterns", col("handle").Patterns, []string{"(?i)^[a-z][a-z0-9_]{2,15}$"})
	eq("slug.Patterns (domain)", col("slug").Patterns, []string{"^[a-z0-9]+(-[a-z0-9]+)*$"})
	eq("slug.MaxLen (domain)", col("slug").MaxLen, 40)
	eq("summary.MinLen/MaxLen", [2]int{col("summary").MinLen, col("summary").MaxLen}, [2]int{3, 40})
	eq("label.MinLen/MaxLen/ASCII", []any{col("label").MinLen, col("label").MaxLen, col("label").ASCII}, []any{1, 50, true})
	eq("email.Patterns (LIKE)", col("email").Patterns, []string{`^.*.@..*$`})
	if p := col("priority"); p.Min == nil || p.Max == nil || *p.Min != 1 || *p.Max != 5 {
		t.Errorf("priority bounds %v..%v, want 1..5", p.Min, p.Max)
	}
	if p := col("price"); p.Min == nil || *p.Min != 0 {
		t.Errorf("price (domain) min %v, want 0", p.Min)
	}
	if d := col("discount"); d.Lower == nil || d.Upper == nil || d.Lower.Value != "0" || !d.Lower.Strict || d.Upper.Value != "1" || !d.Upper.Strict {
		t.Errorf("discount bounds %+v %+v, want (0, 1)", d.Lower, d.Upper)
	}
	if d := col("due_on"); d.Lower == nil || d.Lower.Value != "2020-01-01" || d.Lower.Strict {
		t.Errorf("due_on lower %+v, want 2020-01-01 inclusive", d.Lower)
	}
	eq("orders", rel.Orders, []catalog.Order{{Left: "end_at", Op: ">", Right: "start_at"}, {Left: "min_qty", Op: "<=", Right: "max_qty"}})
	if len(rel.NullRules) != 2 {
		t.Fatalf("null rules %+v, want the contact and one-ref rules", rel.NullRules)
	}
	eq("contact rule", rel.NullRules[0].Alternatives, []map[string]bool{{"email_ref": true}, {"phone_ref": true}})
	eq("num_nonnulls rule", len(rel.NullRules[1].Alternatives), 3)
	// The reference schema's own list still reads (tenants.tier).
	eq("tenants.tier.Allowed", cat.TenantsTable.Column("tier").Allowed, []string{"shared", "dedicated"})
}

// TestCheckForms feeds the parser the stored forms of the CHECKs real
// schemas write that the overlay does not hold.
func TestCheckForms(t *testing.T) {
	for def, want := range map[string]func(map[string]*catalog.Column, []catalog.NullRule) bool{
		"CHECK (((status)::text = ANY ((ARRAY['Active'::character varying, 'Inactive'::character varying])::text[])))": func(c map[string]*catalog.Column, _ []catalog.NullRule) bool {
			return reflect.DeepEqual(c["status"].Allowed, []string{"Active", "Inactive"})
		},
		"CHECK ((kind = ANY ('{a,b}'::text[])))": func(c map[string]*catalog.Column, _ []catalog.NullRule) bool {
			return reflect.DeepEqual(c["kind"].Allowed, []string{"a", "b"})
		},
		"CHECK (((kind = 'a'::text) OR (kind = 'b'::text)))": func(c map[string]*catalog.Column, _ []catalog.NullRule) bool {
			return reflect.DeepEqual(c["kind"].Allowed, []string{"a", "b"})
		},
		"CHECK ((NOT (kind = ANY (ARRAY['x'::text]))))":       nil, // not read: NOT over a list
		"CHECK ((kind <> ALL (ARRAY['x'::text, 'y'::text])))": nil,
		"CHECK ((btrim(name) <> ''::text))": func(c map[string]*catalog.Column, _ []catalog.NullRule) bool {
			return c["name"].MinLen == 1
		},
		"CHECK ((birth <= CURRENT_DATE))": func(c map[string]*catalog.Column, _ []catalog.NullRule) bool {
			return c["birth"].Upper != nil && c["birth"].Upper.Value == "now"
		},
		"CHECK ((char_length((code)::text) = 3))": func(c map[string]*catalog.Column, _ []catalog.NullRule) bool {
			return c["code"].MinLen == 3 && c["code"].MaxLen == 3
		},
		"CHECK ((((a IS NULL) AND (b IS NOT NULL)) OR ((a IS NOT NULL) AND (b IS NULL))))": func(_ map[string]*catalog.Column, n []catalog.NullRule) bool {
			return len(n) == 1 && reflect.DeepEqual(n[0].Alternatives, []map[string]bool{{"a": false, "b": true}, {"a": true, "b": false}})
		},
		"CHECK ((x IS NOT NULL)) NOT VALID": func(c map[string]*catalog.Column, n []catalog.NullRule) bool {
			return c["x"].NotNull && len(n) == 0
		},
	} {
		cols, _, nulls, ok, err := catalog.ParseCheck(def, "")
		if err != nil {
			t.Errorf("%s: %v", def, err)
			continue
		}
		if want == nil {
			if def == "CHECK ((kind <> ALL (ARRAY['x'::text, 'y'::text])))" {
				if !ok || !reflect.DeepEqual(cols["kind"].Excluded, []string{"x", "y"}) {
					t.Errorf("%s: excluded %v (understood %v)", def, cols["kind"], ok)
				}
			} else if ok {
				t.Errorf("%s: understood, want not", def)
			}
			continue
		}
		if !ok || !want(cols, nulls) {
			t.Errorf("%s: understood %v, columns %+v, null rules %+v", def, ok, cols, nulls)
		}
	}
}
