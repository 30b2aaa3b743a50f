package harness_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestPoolRaisingPolicies: policies that raise without context (the vendor
// sample reads current_setting without missing_ok; grant-all casts an empty string to
// uuid) fail closed in the pool property, never an error. A session-level
// setter on top of them is a context-leak whose script, run in psql, shows
// a request without context reading the previous tenant's rows.
func TestPoolRaisingPolicies(t *testing.T) {
	vendorSQL := "select set_tenant_context($1::uuid)"
	localSetter, err := filepath.Abs("testdata/pool/local_setter.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, schema string
		cfg          harness.Config
		overlays     []string
		leak         bool
	}{
		{"vendor-sample", "realworld/vendor-sample", harness.Config{ContextSQL: vendorSQL}, nil, true},
		{"vendor-sample with a transaction-local setter", "realworld/vendor-sample", harness.Config{ContextSQL: vendorSQL}, []string{localSetter}, false},
		{"grant-all", "realworld/grant-all", harness.Config{}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			schema, err := harness.LoadSchema(testenv.Fixture(c.schema))
			if err != nil {
				t.Fatal(err)
			}
			cfg := c.cfg
			cfg.Schema = schema
			tg := testenv.TargetWith(t, cfg, c.overlays...)
			for _, subj := range harness.PoolIsolation.Subjects(tg) {
				res := harness.PoolIsolation.RunSubject(context.Background(), tg, subj, harness.RunOptions{Checks: 12, Seed: 5, ShrinkTime: 2 * time.Second})
				if res.Err != nil {
					t.Fatalf("%s: error %v", subj.Name, res.Err)
				}
				if !c.leak {
					if len(res.Findings) > 0 || res.Reached == 0 || res.Rejected == 0 {
						t.Errorf("%s: want a clean, conclusive run with refused requests: findings=%v stats=%+v", subj.Name, res.Findings, res.Stats)
					}
					continue
				}
				if len(res.Findings) == 0 {
					t.Fatalf("%s: session-level setter missed (stats %+v)", subj.Name, res.Stats)
				}
				f := res.Findings[0]
				if f.Kind != harness.KindContextLeak || f.Severity != harness.SeverityCritical || !strings.Contains(f.Statement, "app.current_tenant = "+f.OtherTenant) {
					t.Errorf("%s: finding %s: %s", subj.Name, f, f.Statement)
				}
				if subj.Name == "pool-1" {
					t.Logf("%s\n%s", f, f.Script)
				}
				checkPoolScript(t, tg, f)
			}
		})
	}
}

// checkPoolScript runs a pool finding's script in psql with ON_ERROR_STOP
// and checks that the last request, which sets no context, reads the
// previous tenant's rows.
func checkPoolScript(t *testing.T, tg *harness.Target, f *harness.Finding) {
	t.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Logf("no psql on PATH: script not run")
		return
	}
	file := filepath.Join(t.TempDir(), "repro.sql")
	if err := os.WriteFile(file, []byte(f.Script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(psql, "-X", "-e", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", tg.DB.DSN, "-f", file).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	// With -e psql echoes each statement before its result: what follows
	// the last borrow's read is what the request without context got.
	i := strings.LastIndex(f.Script, "-- request of no context\n")
	if f.TenantLabel != "no context" || i < 0 {
		t.Fatalf("script does not end with a request without context:\n%s", f.Script)
	}
	read := strings.Split(f.Script[i:], "\n")[2] // the SELECT after BEGIN
	got, _, _ := strings.Cut(string(out)[strings.LastIndex(string(out), read)+1:], "COMMIT")
	if !strings.Contains(string(out), read) || !strings.Contains(got, f.OtherTenant) {
		t.Errorf("psql did not show the request without context reading %s's rows after %q:\n%s", f.OtherLabel, read, out)
	}
}
