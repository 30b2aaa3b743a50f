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

// TestDiscoveryPrecedence: a project directory with a stray seed.sql at
// its root and supabase/migrations applies the migrations, in order, never
// the root file; other tools' layouts are found too, and numbered
// migrations apply in numeric order.
func TestDiscoveryPrecedence(t *testing.T) {
	write := func(dir, rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	names := func(files []SQLFile, dir string) string {
		var out []string
		for _, f := range files {
			rel, _ := filepath.Rel(dir, f.Name)
			out = append(out, filepath.ToSlash(rel))
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		name  string
		files []string
		want  string
	}{
		{"supabase over a stray root file", []string{"seed.sql", "supabase/seed.sql", "supabase/migrations/20240102000000_b.sql", "supabase/migrations/20240101000000_a.sql"},
			"supabase/migrations/20240101000000_a.sql,supabase/migrations/20240102000000_b.sql"},
		{"migrations/ over root", []string{"dump.sql", "migrations/10_c.up.sql", "migrations/2_b.up.sql", "migrations/1_a.up.sql", "migrations/1_a.down.sql"},
			"migrations/1_a.up.sql,migrations/2_b.up.sql,migrations/10_c.up.sql"},
		{"db/migrations", []string{"schema.sql", "db/migrations/20240101_a.sql"}, "db/migrations/20240101_a.sql"},
		{"flyway", []string{"db/migration/V10__c.sql", "db/migration/V2__b.sql", "db/migration/V1__a.sql"},
			"db/migration/V1__a.sql,db/migration/V2__b.sql,db/migration/V10__c.sql"},
		{"prisma", []string{"prisma/migrations/20240102_b/migration.sql", "prisma/migrations/20240101_a/migration.sql", "prisma/schema.sql"},
			"prisma/migrations/20240101_a/migration.sql,prisma/migrations/20240102_b/migration.sql"},
		{"root files alone", []string{"b.sql", "a.sql"}, "a.sql,b.sql"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range c.files {
				write(dir, f, "SELECT 1;\n")
			}
			files, err := LoadSchema(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(files, dir); got != c.want {
				t.Errorf("applied %s, want %s", got, c.want)
			}
		})
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"2_a.sql", "10_a.sql", true}, {"10_a.sql", "2_a.sql", false},
		{"20240101000000_a.sql", "20240101000001_a.sql", true}, {"a.sql", "b.sql", true}, {"001_a.sql", "002_a.sql", true},
	} {
		if got := versionLess(c.a, c.b); got != c.want {
			t.Errorf("versionLess(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
