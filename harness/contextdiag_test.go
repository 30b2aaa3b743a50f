package harness_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func diagnose(t *testing.T, schema string, cfg harness.Config) *harness.ContextDiagnosis {
	t.Helper()
	if schema != "" {
		files, err := harness.LoadSchema(testenv.Fixture(schema))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Schema = files
	}
	d, err := harness.DiagnoseContext(context.Background(), testenv.TargetWith(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Unparsed) > 0 {
		t.Errorf("unparsed: %v", d.Unparsed)
	}
	return d
}

// TestDiagnoseContextForgotten: the vendor sample's policies read
// app.current_tenant; run without --context-sql the harness sets
// app.tenant_id. The diagnosis names both, and that the policies read
// without missing_ok.
func TestDiagnoseContextForgotten(t *testing.T) {
	t.Parallel()
	d := diagnose(t, "realworld/vendor-sample", harness.Config{})
	if !d.Mismatch() {
		t.Fatalf("no mismatch: reads %v, sets %v (%s)", d.ReadSettings(), d.SetSettings(), d.Undecided)
	}
	if got := d.ReadSettings(); !reflect.DeepEqual(got, []string{"app.current_tenant"}) {
		t.Errorf("reads %v, want [app.current_tenant]", got)
	}
	if got := d.SetSettings(); !reflect.DeepEqual(got, []string{"app.tenant_id"}) {
		t.Errorf("sets %v, want [app.tenant_id]", got)
	}
	msg := d.Explain()
	t.Log(msg)
	for _, want := range []string{"app.current_tenant", "app.tenant_id", "policy tenant_isolation_policy on tenant", "set_config", "--context-sql"} {
		if !strings.Contains(msg, want) {
			t.Errorf("explanation lacks %q: %s", want, msg)
		}
	}
	if len(d.Raising()) != 3 {
		t.Errorf("raising reads = %v, want the three policies", d.Raising())
	}
}

// TestDiagnoseContextSetter: with the application's setter as
// --context-sql, the function's body is read: it sets
// app.current_tenant (session-level), which the policies read, without
// missing_ok.
func TestDiagnoseContextSetter(t *testing.T) {
	t.Parallel()
	d := diagnose(t, "realworld/vendor-sample", harness.Config{ContextSQL: "select set_tenant_context($1::uuid)"})
	if d.Mismatch() || d.Explain() != "" || d.Undecided != "" {
		t.Fatalf("mismatch on the application's setter: %s (%s); sets %+v", d.Explain(), d.Undecided, d.Sets)
	}
	if len(d.Sets) != 1 || d.Sets[0].Setting != "app.current_tenant" || d.Sets[0].Local || d.Sets[0].String() != "the context statement via set_tenant_context()" {
		t.Errorf("sets = %+v, want app.current_tenant, session-level, via set_tenant_context()", d.Sets)
	}
	note := d.RaisingNote()
	t.Log(note)
	if !strings.Contains(note, "app.current_tenant") || !strings.Contains(note, "without missing_ok") {
		t.Errorf("raising note = %q", note)
	}
}

// TestDiagnoseContextConsistent: the reference schema (current_setting
// with missing_ok, default strategy) and the Supabase example (policies
// read the claims through public.current_account() and the shim's
// auth.jwt()) agree with their strategies.
func TestDiagnoseContextConsistent(t *testing.T) {
	t.Parallel()
	t.Run("reference", func(t *testing.T) {
		t.Parallel()
		d := diagnose(t, "", harness.Config{})
		if d.Mismatch() || d.Undecided != "" || !reflect.DeepEqual(d.ReadSettings(), []string{"app.tenant_id"}) || d.RaisingNote() != "" {
			t.Errorf("reference: reads %v sets %v undecided %q raising %q", d.ReadSettings(), d.SetSettings(), d.Undecided, d.RaisingNote())
		}
	})
	t.Run("supabase", func(t *testing.T) {
		t.Parallel()
		d := diagnose(t, "examples/supabase", harness.Config{Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"})
		if d.Mismatch() || d.Undecided != "" || !reflect.DeepEqual(d.ReadSettings(), []string{"request.jwt.claims"}) {
			t.Fatalf("supabase: reads %v sets %v undecided %q", d.ReadSettings(), d.SetSettings(), d.Undecided)
		}
		if got := d.Reads[0].String(); !strings.Contains(got, "via current_account(), auth.jwt()") {
			t.Errorf("read %q does not name the functions it goes through", got)
		}
	})
}

// TestContextSettingFromSetter: without --context-setting, the sql
// strategy's setting is the one its function sets, so that its Settings
// (what the pool property clears and inspects) name app.current_tenant.
func TestContextSettingFromSetter(t *testing.T) {
	t.Parallel()
	files, err := harness.LoadSchema(testenv.Fixture("realworld/vendor-sample"))
	if err != nil {
		t.Fatal(err)
	}
	tg := testenv.TargetWith(t, harness.Config{Schema: files, ContextSQL: "select set_tenant_context($1::uuid)"})
	if got := tg.Strategy.Settings(tg); !reflect.DeepEqual(got, []string{"app.current_tenant"}) {
		t.Errorf("settings = %v, want [app.current_tenant]", got)
	}
}
