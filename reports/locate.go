package reports

import (
	"regexp"
	"slices"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// locate finds where a finding's defect lives in the schema files, so that
// code scanning annotates the migration: the statement an audit result
// explaining it points at (the overlay line that disabled RLS), else the
// CREATE POLICY of its relation, else the relation's CREATE TABLE, VIEW or
// FUNCTION. Later files win over earlier ones (an overlay redefines what
// the schema created). Nil when no file says it (vector stores).
func locate(f *Finding, rep *audit.Report, tg *harness.Target, root string) *Location {
	if rep != nil {
		passes := []bool{false} // own relation's results
		if slices.Contains(contextKinds, f.Kind) {
			passes = []bool{true, false} // the context setter's first
		}
		for _, wide := range passes {
			for _, x := range rep.Results {
				own := x.Relation != "" && x.Relation == f.Relation
				if x.File == "" || !slices.Contains(f.Audit, x.Key()) || own == wide {
					continue
				}
				return &Location{File: RelativeTo(root, x.File), Line: x.Line, Object: x.Object, Basis: x.Key()}
			}
		}
	}
	if tg == nil {
		return nil
	}
	rel := tg.Catalog.Relation(f.Relation)
	if rel == nil {
		return nil
	}
	files := append(append([]harness.SQLFile{}, tg.Config.Schema...), tg.Config.Overlays...)
	for _, p := range createPatterns(rel) {
		for i := len(files) - 1; i >= 0; i-- {
			sql := blankComments(files[i].SQL)
			if at := p.re.FindStringIndex(sql); at != nil {
				return &Location{File: RelativeTo(root, files[i].Name), Line: strings.Count(sql[:at[0]], "\n") + 1,
					Object: strings.ToLower(p.basis[len("CREATE "):]) + " " + rel.String(), Basis: p.basis}
			}
		}
	}
	return nil
}

type createPattern struct {
	basis string // "CREATE POLICY"
	re    *regexp.Regexp
}

// createPatterns are the statements that define a relation's protection,
// best first: its policies, then its own CREATE.
func createPatterns(rel *catalog.Relation) []createPattern {
	name := `(?:"?` + regexp.QuoteMeta(rel.Schema) + `"?\s*\.\s*)?"?` + regexp.QuoteMeta(rel.Name) + `"?(?:$|[^A-Za-z0-9_$])`
	out := []createPattern{{"CREATE POLICY", regexp.MustCompile(`(?is)\bCREATE\s+POLICY\s+\S+\s+ON\s+(?:ONLY\s+)?` + name)}}
	kind := `(?:(?:UNLOGGED|TEMP|TEMPORARY)\s+)?TABLE`
	basis := "CREATE TABLE"
	switch {
	case rel.Function != nil || rel.Kind == catalog.KindFunction:
		kind, basis = `(?:OR\s+REPLACE\s+)?FUNCTION`, "CREATE FUNCTION"
		name = `(?:"?` + regexp.QuoteMeta(rel.Schema) + `"?\s*\.\s*)?"?` + regexp.QuoteMeta(rel.Name) + `"?\s*\(`
	case rel.Kind == catalog.KindView:
		kind, basis = `(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:RECURSIVE\s+)?VIEW`, "CREATE VIEW"
	case rel.Kind == catalog.KindMatView:
		kind, basis = `MATERIALIZED\s+VIEW`, "CREATE MATERIALIZED VIEW"
	case rel.Kind == catalog.KindForeign:
		kind, basis = `FOREIGN\s+TABLE`, "CREATE FOREIGN TABLE"
	}
	return append(out, createPattern{basis, regexp.MustCompile(`(?is)\bCREATE\s+` + kind + `\s+(?:IF\s+NOT\s+EXISTS\s+)?` + name)})
}

// blankComments replaces SQL comments with spaces, keeping newlines, so
// commented-out statements do not match and offsets keep their line.
func blankComments(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\'' || b[i] == '"':
			q := b[i]
			for i++; i < len(b) && b[i] != q; i++ {
			}
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i+1 < len(b) && !(b[i] == '*' && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		}
	}
	return string(b)
}
