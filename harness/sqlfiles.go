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
	return readFS(fixtures.Schema(), "fixtures/schema", "*.sql")
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
	dir, pattern := migrationsDir(path)
	files, err := readFS(os.DirFS(dir), dir, pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("read schema: directory %s holds no .sql files (nor supabase/migrations, migrations, db/migrations, db/migration or prisma/migrations): pass the directory that holds the migrations", path)
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

func readFS(fsys fs.FS, prefix, pattern string) ([]SQLFile, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(names, func(i, j int) bool { return versionLess(names[i], names[j]) })
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

// layouts are the migration folders of the usual tools, in order of
// precedence, with the pattern their files match: Supabase, golang-migrate,
// goose, dbmate, sqlx and most others (migrations/, db/migrations/), Flyway
// (db/migration/), Prisma (prisma/migrations/<name>/migration.sql).
var layouts = []struct{ dir, pattern string }{
	{"supabase/migrations", "*.sql"},
	{"migrations", "*.sql"},
	{"db/migrations", "*.sql"},
	{"db/migration", "*.sql"},
	{"prisma/migrations", "*/migration.sql"},
}

// migrationsDir finds the migrations inside a project directory: the
// first of the tools' layouts that holds migration files wins over any
// .sql file at the directory's root (a seed.sql, a dump lying around);
// the root's own .sql files are the schema only when no layout matches.
func migrationsDir(dir string) (string, string) {
	for _, l := range layouts {
		if found, _ := filepath.Glob(filepath.Join(dir, l.dir, l.pattern)); len(found) > 0 {
			return filepath.Join(dir, l.dir), l.pattern
		}
	}
	return dir, "*.sql"
}

// versionLess orders migration names the way the tools apply them: runs of
// digits compare as numbers (golang-migrate's 2_x before 10_x, Flyway's
// V2__ before V10__), everything else byte by byte. Fixed-width
// timestamps (Supabase, goose, dbmate) order as they do lexically.
func versionLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
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
