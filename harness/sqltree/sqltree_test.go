package sqltree_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

func reads(f sqltree.Facts) []string {
	var out []string
	for _, r := range f.Reads {
		out = append(out, fmt.Sprintf("%s ok=%v dyn=%v", r.Name, r.MissingOK, r.Dynamic))
	}
	return out
}

func writes(f sqltree.Facts) []string {
	var out []string
	for _, w := range f.Writes {
		out = append(out, fmt.Sprintf("%s %s local=%v dyn=%v", w.Via, w.Name, w.Local, w.Dynamic))
	}
	return out
}

func calls(f sqltree.Facts) []string {
	var out []string
	for _, c := range f.Calls {
		out = append(out, c.Schema+"."+c.Name)
	}
	return out
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// TestExpr: policy expressions as pg_get_expr renders them (casts on the
// constants) and as written.
func TestExpr(t *testing.T) {
	for expr, want := range map[string][]string{
		"(tenant_id = (current_setting('app.current_tenant'::text))::uuid)":                        {"app.current_tenant ok=false dyn=false"},
		"tenant_id = nullif(current_setting('App.Tenant_ID', true), '')::uuid":                     {"app.tenant_id ok=true dyn=false"},
		"tenant_id = current_setting('app.tenant_id', 'on')::uuid":                                 {"app.tenant_id ok=true dyn=false"},
		"tenant_id = pg_catalog.current_setting(x)::uuid":                                          {" ok=false dyn=true"},
		"tenant_id = myschema.current_setting('app.x')":                                            nil,
		"(account_id = public.current_account()) AND (auth.uid() IS NOT NULL)":                     nil,
		"EXISTS (SELECT 1 FROM m WHERE m.t = current_setting('app.a', true) AND m.u = auth.uid())": {"app.a ok=true dyn=false"},
	} {
		f, err := sqltree.Expr(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		same(t, expr, reads(f), want)
	}
	f, _ := sqltree.Expr("(account_id = public.current_account()) AND (auth.uid() IS NOT NULL)")
	same(t, "calls", calls(f), []string{"public.current_account", "auth.uid"})
	if _, err := sqltree.Expr("tenant_id = ("); err == nil {
		t.Error("a broken expression parsed")
	}
}

// TestStatements: set_config and SET, local or not, in statements.
func TestStatements(t *testing.T) {
	f, err := sqltree.Statements(`select set_config('app.tenant_id', $1, true);
		SELECT set_config('app.current_tenant', p_tenant_id::text, false);
		SET LOCAL app.a = 'x'; SET app.b TO 'y'; RESET app.c; SET LOCAL ROLE tf_x;
		select set_config(v_name, 'x', 'true')`)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "writes", writes(f), []string{
		"set_config app.tenant_id local=true dyn=false",
		"set_config app.current_tenant local=false dyn=false",
		"SET app.a local=true dyn=false",
		"SET app.b local=false dyn=false",
		"SET role local=true dyn=false",
		"set_config  local=true dyn=true",
	})
}

// TestSQLStandardBody: a BEGIN ATOMIC body, read from the definition.
func TestSQLStandardBody(t *testing.T) {
	f, err := sqltree.Statements(`CREATE FUNCTION public.tenant() RETURNS uuid LANGUAGE sql STABLE
BEGIN ATOMIC
 SELECT (current_setting('app.t'::text, true))::uuid AS current_setting;
END`)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "reads", reads(f), []string{"app.t ok=true dyn=false"})
}

// TestPlPgSQL: every kind of PL/pgSQL statement that holds SQL, dynamic
// SET prefixes and whole dynamic statements included.
func TestPlPgSQL(t *testing.T) {
	f, err := sqltree.PlPgSQL(`CREATE OR REPLACE FUNCTION public.set_tenant(p uuid)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE v text := current_setting('app.a', true);
BEGIN
  v := current_setting('app.b');
  PERFORM set_config('app.c', p::text, true);
  SET LOCAL app.d = 'x';
  EXECUTE 'SET app.e = ' || quote_literal(p);
  EXECUTE format('select set_config(''app.g'', %L, true)', p);
  IF current_setting('app.f', true) IS NULL THEN PERFORM helper(p); END IF;
  RETURN;
END
$function$`)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "reads", reads(f), []string{"app.b ok=false dyn=false", "app.f ok=true dyn=false", "app.a ok=true dyn=false"})
	same(t, "writes", writes(f), []string{
		"set_config app.c local=true dyn=false",
		"SET app.d local=true dyn=false",
		"SET app.e local=false dyn=false",
		"set_config app.g local=true dyn=false",
	})
	found := false
	for _, c := range calls(f) {
		found = found || c == ".helper"
	}
	if !found {
		t.Errorf("calls %v do not include helper", calls(f))
	}
}
