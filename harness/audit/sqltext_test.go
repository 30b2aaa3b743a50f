package audit

import (
	"reflect"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

func TestSplitTop(t *testing.T) {
	for expr, want := range map[string][]string{
		"((a IS NULL) OR (b = 'x OR y'::text))":     {"(a IS NULL)", "(b = 'x OR y'::text)"},
		"(a = (b OR c))":                            {"a = (b OR c)"},
		"((x OR y) AND z)":                          {"(x OR y) AND z"},
		"(coalesce(x, '') = '' OR tenant_id = f())": {"coalesce(x, '') = ''", "tenant_id = f()"},
		"true":          {"true"},
		"orders_id = 1": {"orders_id = 1"},
	} {
		if got := splitTop(expr, "OR"); !reflect.DeepEqual(got, want) {
			t.Errorf("splitTop(%q) = %q, want %q", expr, got, want)
		}
	}
}

func TestCalls(t *testing.T) {
	src := `SELECT pg_catalog.set_config('app.tenant_id', p::text, false); -- set_config(x)
PERFORM my_set_config('a', 'b', true); x := set_config ( 'a.b' , concat('x', ','), true )`
	got := calls(sqltree.BlankComments(src), "set_config")
	want := [][]string{{"'app.tenant_id'", "p::text", "false"}, {"'a.b'", "concat('x', ',')", "true"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if got := calls("current_setting('app.tenant_id'::text)", "current_setting"); len(got) != 1 || len(got[0]) != 1 {
		t.Errorf("one-argument current_setting: %q", got)
	}
}

func TestIdentifiers(t *testing.T) {
	got := identifiers(`((tenant_id)::text ~~ (current_setting('app.tenant_id'::text, true) || '%'::character varying)) AND "Mixed" = x::timestamp with time zone`)
	want := []string{"tenant_id", "current_setting", "true", "and", "Mixed", "x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("identifiers = %q, want %q", got, want)
	}
}

func TestBooleans(t *testing.T) {
	for _, s := range []string{"false", "FALSE", "'f'", "(false)", "false::boolean", "'off'"} {
		if !isFalse(s) || isTrue(s) {
			t.Errorf("%q: want false", s)
		}
	}
	for _, s := range []string{"true", "'t'", "true::bool"} {
		if !isTrue(s) || isFalse(s) {
			t.Errorf("%q: want true", s)
		}
	}
	if isFalse("is_local") || isTrue("is_local") {
		t.Error("a parameter is neither true nor false")
	}
}

func TestExecuteStatements(t *testing.T) {
	body := `BEGIN
  EXECUTE 'SET LOCAL app.tenant_id = ''' || p || ''';';
  PERFORM 1;
  EXECUTE format('SELECT %L', p) USING x;
END`
	got := executeStatements(body)
	if len(got) != 2 || got[0] != `EXECUTE 'SET LOCAL app.tenant_id = ''' || p || ''';'` {
		t.Errorf("executeStatements = %q", got)
	}
}

func TestLiteral(t *testing.T) {
	for arg, want := range map[string]string{"'app.tenant_id'::text": "app.tenant_id", "'it''s'": "it's", "('x')": "x"} {
		if got, ok := literal(arg); !ok || got != want {
			t.Errorf("literal(%q) = %q, %v; want %q", arg, got, ok, want)
		}
	}
	if _, ok := literal("p_name"); ok {
		t.Error("a variable is not a literal")
	}
}

func TestSessionWrite(t *testing.T) {
	for s, want := range map[string]bool{
		"SET app.tenant_id = 'x'":              true,
		"set session \"app\".tenant_id to 1":   true,
		"SET ROLE tenant_a":                    true,
		"SET SESSION AUTHORIZATION x":          true,
		"SET LOCAL app.tenant_id = 'x'":        false,
		"SET LOCAL ROLE x":                     false,
		"UPDATE t SET title = 'x'":             false,
		"ALTER FUNCTION f SET search_path = x": false,
	} {
		f, err := sqltree.Statements(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got := sessionWrite(f) != ""; got != want {
			t.Errorf("sessionWrite(%q) = %v, want %v", s, got, want)
		}
	}
}
