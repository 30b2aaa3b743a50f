package harness_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func overlay(t *testing.T, sql string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "overlay.sql")
	if err := os.WriteFile(p, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRefusedRowsNameTheConstraint: a CHECK the generator cannot read
// refuses every generated documents row; the scenario ends in an error
// that names the constraint, its SQLSTATE and PostgreSQL's message.
func TestRefusedRowsNameTheConstraint(t *testing.T) {
	tg := testenv.Target(t, overlay(t, `ALTER TABLE documents ADD CONSTRAINT documents_title_signed CHECK (md5(title) = 'not a digest');`))
	res := harness.ReadIsolation.Run(context.Background(), tg, tg.Catalog.Relation("documents"), harness.RunOptions{Checks: 10, Seed: 3})
	if res.Err == nil {
		t.Fatalf("no error: %+v", res.Stats)
	}
	for _, want := range []string{"generated for documents ", "documents_title_signed", "SQLSTATE 23514", "violates check constraint"} {
		if !strings.Contains(res.Err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, res.Err)
		}
	}
}

// TestRefusedRowsAreDropped: a CHECK that refuses some generated rows
// (long contents) leaves the rest in the world: no error, the checks run,
// and the report's stats say which constraint refused how many.
func TestRefusedRowsAreDropped(t *testing.T) {
	tg := testenv.Target(t, overlay(t, `ALTER TABLE documents ADD CONSTRAINT documents_content_short CHECK (content IS NULL OR position('long' in content) = 0);`))
	res := harness.ReadIsolation.Run(context.Background(), tg, tg.Catalog.Relation("documents"), harness.RunOptions{Checks: 40, Seed: 3})
	if res.Err != nil {
		t.Fatalf("error: %v", res.Err)
	}
	r := res.Refused["documents"]
	if r == nil || r.Refused == 0 || r.Refused >= r.Generated || !strings.Contains(r.Message, "documents_content_short") {
		t.Fatalf("refused rows %+v, want some documents rows refused by documents_content_short", res.Refused)
	}
	if res.Checks < 40 || !res.Conclusive() {
		t.Errorf("inconclusive: %+v", res.Stats)
	}
}
