package audit_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

func TestSmoke(t *testing.T) {
	files, _ := filepath.Glob("testdata/tfa*.sql")
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		tg := testenv.Target(t, abs)
		rep, err := audit.RunTarget(context.Background(), tg)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("==", f)
		for _, r := range rep.Results {
			fmt.Printf("  %s | %s | %s:%d\n     %s\n", r.Severity, r.Key(), filepath.Base(r.File), r.Line, r.Message)
		}
	}
	s, _ := os.ReadFile("testdata/seed_guide.sql")
	tg := testenv.TargetWith(t, harness.Config{Schema: []harness.SQLFile{{Name: "testdata/seed_guide.sql", SQL: string(s)}}})
	rep, err := audit.RunTarget(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("== seed")
	for _, r := range rep.Results {
		fmt.Printf("  %s | %s | %s:%d\n     %s\n", r.Severity, r.Key(), filepath.Base(r.File), r.Line, r.Message)
	}
}
