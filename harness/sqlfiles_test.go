package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrationLayouts(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("supabase/migrations/001_init.up.sql", "CREATE TABLE a (id int);\n")
	write("supabase/migrations/001_init.down.sql", "DROP TABLE a;\n")
	write("supabase/migrations/002_goose.sql", "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE b (id int);\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE b;\n")
	write("supabase/migrations/003_dbmate.sql", "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n")
	files, err := LoadSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names, sql []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Name))
		sql = append(sql, f.SQL)
	}
	if strings.Join(names, ",") != "001_init.up.sql,002_goose.sql,003_dbmate.sql" {
		t.Errorf("files = %v", names)
	}
	all := strings.Join(sql, "")
	if strings.Contains(all, "DROP") || !strings.Contains(all, "CREATE TABLE b") || !strings.Contains(all, "CREATE TABLE c") {
		t.Errorf("up sections wrong:\n%s", all)
	}
	if got := strings.Count(files[1].SQL, "\n"); got != 6 {
		t.Errorf("goose file keeps %d lines, want 6 (line numbers preserved)", got)
	}
	if _, err := LoadSchema(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "directory of .sql files") {
		t.Errorf("missing schema path: %v", err)
	}
}
