package reports

import (
	"fmt"
	"path"
	"strings"
)

// schemaFilesLine names the schema files the run applied, in order, and
// the folder they came from, so a user sees at once whether discovery
// picked the migrations they meant: "3 files from supabase/migrations:
// a.sql, b.sql, c.sql". Long lists keep their first and last few names.
func (r *Report) schemaFilesLine() string {
	var names []string
	for _, f := range r.Target.Files {
		if f.Role == "schema" {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	dir := path.Dir(names[0])
	for _, n := range names[1:] {
		for dir != "." && dir != "/" && !strings.HasPrefix(n, strings.TrimSuffix(dir, "/")+"/") {
			dir = path.Dir(dir)
		}
	}
	prefix := strings.TrimSuffix(dir, "/") + "/"
	rel := make([]string, len(names))
	for i, n := range names {
		rel[i] = strings.TrimPrefix(n, prefix)
	}
	if len(rel) > 12 {
		rel = append(append(rel[:5:5], fmt.Sprintf("... %d more ...", len(rel)-10)), rel[len(rel)-5:]...)
	}
	what := "1 file"
	if len(names) != 1 {
		what = fmt.Sprintf("%d files", len(names))
	}
	if dir != "." {
		what += " from " + dir
	}
	return what + ": " + strings.Join(rel, ", ")
}
