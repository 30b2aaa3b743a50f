package vector_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func TestSQLAndVectorsAgreeOnTheReference(t *testing.T) {
	env := fakeEnv(t).WithTarget(testenv.Target(t))
	for _, mode := range vector.Modes {
		res := vector.SQLAgreement.Run(context.Background(), env, mode, opts(15, 5))
		t.Logf("%s: checks=%d ops=%d reached=%d rejected=%d (%.2fs)", mode, res.Checks, res.Statements, res.Reached, res.Rejected, res.Seconds)
		if res.Err != nil {
			t.Fatalf("%s: %v", mode, res.Err)
		}
		for _, f := range res.Findings {
			t.Errorf("%s: unexpected finding: %s\n%s", mode, f, f.Script)
		}
	}
}

// An RLS leak on document_chunks shows up as chunks whose vectors the
// tenant cannot see.
func TestChunkLeakInSQLIsAMismatch(t *testing.T) {
	overlay := filepath.Join(t.TempDir(), "chunks_open.sql")
	sql := "CREATE POLICY chunks_open ON document_chunks FOR SELECT USING (true);\n"
	if err := os.WriteFile(overlay, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv(t).WithTarget(testenv.Target(t, overlay))
	res := vector.SQLAgreement.Run(context.Background(), env, vector.SharedNamespace, opts(15, 5))
	if res.Err != nil || len(res.Findings) != 1 || res.Findings[0].Kind != vector.KindSQLVectorMismatch {
		t.Fatalf("an open policy on document_chunks: err=%v findings=%v", res.Err, res.Findings)
	}
	t.Logf("%s\n%s", res.Findings[0], res.Findings[0].Script)
}

// A repository defect shows up in the agreement too: another tenant
// reaches the vector of a chunk it cannot see.
func TestStaleNamespaceBreaksTheAgreement(t *testing.T) {
	env := fakeEnv(t).WithTarget(testenv.Target(t)).WithMutant(vector.MutantByName("stale-namespace"))
	res := vector.SQLAgreement.Run(context.Background(), env, vector.NamespacePerTenant, opts(15, 5))
	if res.Err != nil || len(res.Findings) != 1 {
		t.Fatalf("stale-namespace under the agreement: err=%v findings=%v", res.Err, res.Findings)
	}
	t.Logf("%s", res.Findings[0])
}
