package vector_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pg.CleanupAll()
	os.Exit(code)
}

func fakeEnv(t *testing.T) *vector.Env {
	t.Helper()
	env, err := vector.NewFakeEnv(context.Background(), vector.FakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

func opts(checks int, seed uint64) harness.RunOptions {
	return harness.RunOptions{Checks: checks, Seed: seed, ShrinkTime: 500 * time.Millisecond, ReplayBase: "tenantfuzz replay --vector fake"}
}

// vectorOnly are the properties that need no PostgreSQL.
func vectorOnly() []*vector.Property {
	var out []*vector.Property
	for _, p := range vector.Properties {
		if !p.NeedsSQL {
			out = append(out, p)
		}
	}
	return out
}

func TestReferenceRepositoryPassesInBothModes(t *testing.T) {
	env := fakeEnv(t)
	for _, mode := range vector.Modes {
		for _, p := range vectorOnly() {
			res := p.Run(context.Background(), env, mode, opts(40, 7))
			t.Logf("%s %s: checks=%d ops=%d rows=%d reached=%d rejected=%d discarded=%d unattributed=%d %v (%.2fs)", p.Name, mode,
				res.Checks, res.Statements, res.Rows, res.Reached, res.Rejected, res.Discarded, res.Unattributed, res.ByKind, res.Seconds)
			if res.Err != nil {
				t.Errorf("%s %s: %v", p.Name, mode, res.Err)
			}
			for _, f := range res.Findings {
				t.Errorf("%s %s: unexpected finding: %s\n%s", p.Name, mode, f, f.Script)
			}
			if res.Checks < 40 || res.Reached == 0 || res.Discarded*10 > res.Statements {
				t.Errorf("%s %s: weak run: %+v", p.Name, mode, res.Stats)
			}
		}
	}
}

func TestEveryMutantIsKilledWithAReplayableFinding(t *testing.T) {
	env := fakeEnv(t)
	for _, m := range vector.Mutants {
		for _, mode := range vector.Modes {
			if !m.Applies(mode) {
				continue
			}
			t.Run(m.Name+"/"+string(mode), func(t *testing.T) {
				menv := env.WithMutant(m)
				if m.Kind == vector.KindSQLVectorMismatch || m.Property == vector.SQLAgreement.Name { // the agreement reads SQL
					menv = menv.WithTarget(testenv.Target(t))
				}
				if p := vector.PropertyByName(m.Property); p != nil && p != vector.ReadIsolation && m.Kind == vector.KindVectorRead {
					// A read defect given to another property: the read
					// property's oracle must not be what finds it.
					res := vector.ReadIsolation.Run(context.Background(), menv, mode, opts(60, 11))
					if res.Err != nil || len(res.Findings) > 0 {
						t.Fatalf("%s is expected from %s, yet vector-read-isolation found it (or failed): %v %v", m.Name, p.Name, res.Findings, res.Err)
					}
				}
				var hit *harness.Finding
				var hitProp *vector.Property
				for _, p := range preferred(m) {
					res := p.Run(context.Background(), menv, mode, opts(60, 11))
					if res.Err != nil {
						t.Fatalf("%s: %v", p.Name, res.Err)
					}
					for _, f := range res.Findings {
						if f.Kind == m.Kind && hit == nil {
							hit, hitProp = f, p
						}
					}
					if hit != nil {
						break
					}
				}
				if hit == nil {
					t.Fatalf("mutant %s (%s) survived in mode %s: no %s finding", m.Name, harness.LeaksRef(m.Entry), mode, m.Kind)
				}
				t.Logf("killed by %s:\n%s\n%s", hitProp.Name, hit, hit.Script)
				if !strings.Contains(hit.Replay, "--seed") || !strings.Contains(hit.Replay, "--relation "+string(mode)) || hit.Relation != "vector:"+string(mode) {
					t.Errorf("finding is not replayable: replay %q relation %q", hit.Replay, hit.Relation)
				}
				if hit.Tenant == hit.OtherTenant && hit.OtherTenant != "" || hit.Statement == "" || len(hit.Evidence) == 0 || !strings.Contains(hit.Script, "mutant "+m.Name) {
					t.Errorf("finding lacks its parts: %+v", hit)
				}
				replay := opts(1, hit.Seed)
				replay.ExactSeed = true
				res := hitProp.Run(context.Background(), menv, mode, replay)
				if len(res.Findings) != 1 || res.Findings[0].Kind != m.Kind {
					t.Errorf("replaying seed %d gave %v, %v; want the %s finding again", hit.Seed, res.Findings, res.Err, m.Kind)
				}
			})
		}
	}
}

// preferred orders the properties so the one whose oracle matches the
// mutant's expected kind runs first: the test stops at the first kill.
func preferred(m *vector.Mutant) []*vector.Property {
	if p := vector.PropertyByName(m.Property); p != nil {
		return []*vector.Property{p}
	}
	if m.Kind == vector.KindSQLVectorMismatch {
		return []*vector.Property{vector.SQLAgreement}
	}
	if m.Kind == vector.KindVectorWrite {
		return []*vector.Property{vector.WriteIsolation, vector.ReadIsolation}
	}
	return []*vector.Property{vector.ReadIsolation, vector.WriteIsolation}
}

func TestMutantRegistry(t *testing.T) {
	seen := map[string]bool{}
	covered := map[vector.Mode]int{}
	for i, m := range vector.Mutants {
		if i > 0 && vector.Mutants[i-1].Name >= m.Name {
			t.Errorf("Mutants not sorted by name at %s", m.Name)
		}
		inVectorSection := m.Entry >= 31 && m.Entry <= 38 || m.Entry == 49 // 49: deduplication by content, SQL and vector alike
		if seen[m.Name] || !inVectorSection || m.Doc == "" || len(m.Modes) == 0 || vector.MutantByName(m.Name) != m ||
			m.Property != "" && vector.PropertyByName(m.Property) == nil {
			t.Errorf("bad mutant entry %+v", m)
		}
		seen[m.Name] = true
		for _, mode := range m.Modes {
			covered[mode]++
		}
	}
	for _, mode := range vector.Modes {
		if covered[mode] == 0 {
			t.Errorf("no mutant lives in mode %s", mode)
		}
	}
}

func TestSQLPropertyNeedsATarget(t *testing.T) {
	res := vector.SQLAgreement.Run(context.Background(), fakeEnv(t), vector.SharedNamespace, opts(1, 1))
	if res.Verdict != harness.VerdictNotApplicable || res.Reason != vector.ErrNoTarget.Error() {
		t.Fatalf("verdict %q (%s), err %v: want not applicable for want of a target", res.Verdict, res.Reason, res.Err)
	}
}

func TestPineconeBackendRefusesWithoutAKey(t *testing.T) {
	t.Setenv("PINECONE_API_KEY", "")
	if _, err := vector.NewPineconeEnv(context.Background(), "localhost:5081", "", vector.PineconeOptions{}); err != vector.ErrNoPinecone {
		t.Fatalf("err = %v, want ErrNoPinecone", err)
	}
}

// The pinecone backend's own path (API key, settle polling, reset by
// dropping namespaces) runs here against the fake, which demands the key.
func TestPineconeBackendPathAgainstTheFake(t *testing.T) {
	ctx := context.Background()
	srv, err := vector.StartFake(ctx, fake.Options{Dimension: 4, APIKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	env, err := vector.NewPineconeEnv(ctx, srv.Host(), "secret", vector.PineconeOptions{Settle: 5 * time.Second, PollEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.Backend != "pinecone" || env.Dim != 4 {
		t.Fatalf("env = %+v", env)
	}
	for _, mode := range vector.Modes {
		res := vector.ReadIsolation.Run(ctx, env, mode, opts(5, 3))
		if res.Err != nil || len(res.Findings) > 0 {
			t.Fatalf("%s: err=%v findings=%v", mode, res.Err, res.Findings)
		}
	}
	if _, err := vector.NewPineconeEnv(ctx, srv.Host(), "wrong", vector.PineconeOptions{}); err == nil {
		t.Fatal("a wrong key reached the index")
	}
}

// delete-ids-every-namespace is a write defect that reads cannot see: the
// read property passes it (with reach), so the kill it gets comes from
// vector-write-isolation's snapshots, a path other than unscoped-ids'
// upserts (deletes by id).
func TestSweepingDeletesAreSeenByTheWriteSnapshotsOnly(t *testing.T) {
	env := fakeEnv(t).WithMutant(vector.MutantByName("delete-ids-every-namespace"))
	res := vector.ReadIsolation.Run(context.Background(), env, vector.NamespacePerTenant, opts(20, 11))
	if res.Err != nil || len(res.Findings) > 0 || res.Reached == 0 {
		t.Fatalf("vector-read-isolation on a write-only defect: err=%v findings=%v stats=%+v", res.Err, res.Findings, res.Stats)
	}
	res = vector.WriteIsolation.Run(context.Background(), env, vector.NamespacePerTenant, opts(60, 11))
	if res.Err != nil || len(res.Findings) == 0 || res.Findings[0].Kind != vector.KindVectorWrite {
		t.Fatalf("vector-write-isolation missed the sweeping delete: err=%v findings=%v", res.Err, res.Findings)
	}
	if f := res.Findings[0]; !strings.Contains(f.Statement, "delete ids=") {
		t.Errorf("the finding's operation %q is not a delete by ids:\n%s", f.Statement, f.Script)
	}
}
