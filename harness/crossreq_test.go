package harness_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// crossRequestRun runs cross-request on the named subjects and returns the
// results, failing on errors.
func crossRequestRun(t *testing.T, tg *harness.Target, checks int, names ...string) map[string]*harness.Result {
	t.Helper()
	out := map[string]*harness.Result{}
	for _, subj := range harness.CrossRequest.Subjects(tg) {
		if len(names) > 0 && !slices.Contains(names, subj.Name) {
			continue
		}
		res := harness.CrossRequest.RunSubject(t.Context(), tg, subj, harness.RunOptions{Checks: checks, Seed: 42, ShrinkTime: 2e9, ReplayBase: "tenantfuzz replay"})
		if res.Err != nil {
			t.Fatalf("cross-request on %s: %v", subj.Name, res.Err)
		}
		t.Logf("%s: verdict %s checks=%d reached=%d own=%d compared=%d rejected=%d %s", subj.Name, res.Verdict, res.Checks, res.Reached, res.Own, res.Compared, res.Rejected, res.Reason)
		out[subj.Name] = res
	}
	return out
}

const searchTitles = "search_titles(p_query text)"

// TestCrossRequestTenantKeyedCache: the reference schema, and a search
// whose cache is keyed by (tenant, question), pass cross-request, earned
// (reach and the tenant's own rows seen); the context setter (void) is not
// applicable, with the reason.
func TestCrossRequestTenantKeyedCache(t *testing.T) {
	// In testdata, not fixtures/variants (which must audit clean): the
	// audit flags the definer search (TFA025, medium) whatever its cache key.
	keyed, err := filepath.Abs("testdata/crossreq/tenant_keyed_cache.sql")
	if err != nil {
		t.Fatal(err)
	}
	tg := testenv.Target(t, keyed)
	res := crossRequestRun(t, tg, 15, searchTitles, "documents", "set_tenant(p_tenant_id uuid)")
	for name, r := range res {
		for _, f := range r.Findings {
			t.Errorf("%s: unexpected finding %s\n%s", name, f, f.Script)
		}
	}
	for _, name := range []string{searchTitles, "documents"} {
		if r := res[name]; r == nil || r.Verdict != harness.VerdictPass || r.Reached == 0 || r.Own == 0 {
			t.Errorf("%s: %+v, want pass, earned (reached, own rows seen)", name, r)
		}
	}
	if r := res["set_tenant(p_tenant_id uuid)"]; r == nil || r.Verdict != harness.VerdictNotApplicable || !strings.Contains(r.Reason, "void") {
		t.Errorf("set_tenant: %+v, want not applicable (returns void)", r)
	}
}

// TestCrossRequestMutants: a cache keyed by the question alone leaks the
// first tenant's documents to the second (critical), a shared sequence
// moves with the other tenant's activity (medium), a session memo leaks
// the first tenant's count on the same connection only. Each finding's
// script shows it in psql.
func TestCrossRequestMutants(t *testing.T) {
	for _, c := range []struct {
		overlay, subject string
		kinds            []harness.Kind
		same             bool // only on the same connection
	}{
		// B served A's cached answer: A's rows, or exactly A's answer
		{"mutants/tenant_blind_cache.sql", searchTitles, []harness.Kind{harness.KindCrossRequestLeak}, false},
		{"mutants/activity_counter.sql", "next_ticket_number()", []harness.Kind{harness.KindCrossRequestState}, false},
		{"mutants/session_memo.sql", "document_count(p_type text)", []harness.Kind{harness.KindCrossRequestLeak}, true},
	} {
		tg := testenv.Target(t, c.overlay)
		r := crossRequestRun(t, tg, 30, c.subject)[c.subject]
		if r == nil || len(r.Findings) == 0 {
			t.Errorf("%s: no finding on %s", c.overlay, c.subject)
			continue
		}
		f := r.Findings[0]
		t.Logf("%s\n%s", f, f.Script)
		if !slices.Contains(c.kinds, f.Kind) || f.Relation != c.subject || f.Tenant == "" || f.OtherTenant == "" || f.Tenant == f.OtherTenant {
			t.Errorf("%s: finding %+v, want %v on %s between two tenants", c.overlay, f, c.kinds, c.subject)
		}
		if !strings.Contains(f.Replay, "--property cross-request") || !strings.Contains(f.Script, "ROLLBACK TO SAVEPOINT tf_alone") {
			t.Errorf("%s: replay or script incomplete: %s\n%s", c.overlay, f.Replay, f.Script)
		}
		if same := !strings.Contains(f.Script, "DISCARD TEMP"); c.same && !same {
			t.Errorf("%s: found on another connection, where the session's memo is gone", c.overlay)
		}
		psqlRuns(t, tg, f.Script)
	}
}

// psqlRuns runs a finding's script in psql and fails when it does not run.
func psqlRuns(t *testing.T, tg *harness.Target, script string) string {
	t.Helper()
	bin, err := pg.FindBinaries("")
	if err != nil {
		t.Skipf("no PostgreSQL binaries: %v", err)
	}
	path := filepath.Join(t.TempDir(), "repro.sql")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-f", path, tg.DB.DSN).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s\nscript:\n%s", err, out, script)
	}
	return string(out)
}

// TestCrossRequestBlind: with a policy that hides every row of documents,
// every tenant gets the same (empty) answer, so no check reaches and
// the tenant never sees its own rows: blind, not pass.
func TestCrossRequestBlind(t *testing.T) {
	overlay := filepath.Join(t.TempDir(), "hide_all.sql")
	sql := "DROP POLICY tenant_isolation_policy ON documents;\nCREATE POLICY hide_all ON documents USING (false);\n"
	if err := os.WriteFile(overlay, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := testenv.Target(t, overlay)
	r := crossRequestRun(t, tg, 8, "documents")["documents"]
	if r == nil || r.Verdict != harness.VerdictBlind || r.Reached != 0 || len(r.Findings) > 0 {
		t.Errorf("documents behind a policy hiding every row: %+v, want blind with no reach", r)
	}
}
