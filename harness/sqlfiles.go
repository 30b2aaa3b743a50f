package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/fixtures"
)

// SQLFile is one SQL script the harness applies, with the name errors and
// reports use for it.
type SQLFile struct {
	Name string
	SQL  string
}

// ReferenceSchema returns the embedded reference schema's files.
func ReferenceSchema() ([]SQLFile, error) {
	return readFS(fixtures.Schema(), "fixtures/schema")
}

// LoadSchema reads a schema: path "" means the reference schema; a file is
// one script; a directory contributes its .sql files in lexical order.
func LoadSchema(path string) ([]SQLFile, error) {
	if path == "" {
		return ReferenceSchema()
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w (pass a .sql file or a directory of .sql files)", err)
	}
	if !st.IsDir() {
		return LoadFiles([]string{path})
	}
	path = migrationsDir(path)
	files, err := readFS(os.DirFS(path), path)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("read schema: directory %s holds no .sql files", path)
	}
	return files, nil
}

// LoadFiles reads SQL files given by path (overlays).
func LoadFiles(paths []string) ([]SQLFile, error) {
	var out []SQLFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read sql file: %w", err)
		}
		out = append(out, SQLFile{Name: p, SQL: string(b)})
	}
	return out, nil
}

func readFS(fsys fs.FS, prefix string) ([]SQLFile, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []SQLFile
	for _, n := range names {
		if strings.HasSuffix(n, ".down.sql") {
			continue // golang-migrate's down migrations
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read schema file %s: %w", n, err)
		}
		out = append(out, SQLFile{Name: filepath.Join(prefix, n), SQL: upSection(string(b))})
	}
	return out, nil
}

// migrationsDir finds the migrations inside a project directory: a
// Supabase project's supabase/migrations, or a migrations/ or db/migrations
// folder, when the directory itself holds no .sql files.
func migrationsDir(dir string) string {
	if own, _ := filepath.Glob(filepath.Join(dir, "*.sql")); len(own) > 0 {
		return dir
	}
	for _, sub := range []string{"supabase/migrations", "migrations", "db/migrations"} {
		if found, _ := filepath.Glob(filepath.Join(dir, sub, "*.sql")); len(found) > 0 {
			return filepath.Join(dir, sub)
		}
	}
	return dir
}

// upSection keeps the "up" part of a migration written for goose
// (-- +goose Up / Down, StatementBegin/End) or dbmate (-- migrate:up /
// down); other files pass unchanged. Dropped lines become blank lines, so
// errors still point at the right line of the file.
func upSection(sql string) string {
	lines := strings.Split(sql, "\n")
	mode := ""
	for _, l := range lines {
		switch strings.TrimSpace(l) {
		case "-- +goose Up", "-- +goose up":
			mode = "goose"
		case "-- migrate:up":
			mode = "dbmate"
		}
		if mode != "" {
			break
		}
	}
	if mode == "" {
		return sql
	}
	in := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "-- +goose Up" || t == "-- +goose up" || t == "-- migrate:up":
			in = true
			lines[i] = ""
		case t == "-- +goose Down" || t == "-- +goose down" || t == "-- migrate:down":
			in = false
			lines[i] = ""
		case strings.HasPrefix(t, "-- +goose "):
			lines[i] = ""
		case !in:
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// Digest is the sha256 over the files' names and contents, in order: the
// identity of what was tested.
func Digest(files []SQLFile) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%s", filepath.Base(f.Name), len(f.SQL), f.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))
}

var quotedNameRE = regexp.MustCompile(`"([^"]+)"`)

// errorLine names the line of sql an error points at: its position when
// the server gives one, else the first line mentioning a name quoted in the
// message (marked "near").
func errorLine(sql string, pe *pgconn.PgError) string {
	if n := lineOf(sql, pe.Position); n > 0 {
		return fmt.Sprintf("line %d", n)
	}
	for _, m := range quotedNameRE.FindAllStringSubmatch(pe.Message, -1) {
		for i, line := range strings.Split(sql, "\n") {
			if strings.Contains(line, m[1]) {
				return fmt.Sprintf("near line %d", i+1)
			}
		}
	}
	return "(line unknown)"
}

// lineOf converts a 1-based character position of a PostgreSQL error into a
// line number of sql.
func lineOf(sql string, pos int32) int {
	if pos <= 0 {
		return 0
	}
	r := []rune(sql)
	if int(pos) > len(r) {
		pos = int32(len(r))
	}
	return strings.Count(string(r[:pos-1]), "\n") + 1
}
