package harness

import (
	"fmt"
	"regexp"
	"strings"
)

// ShimSchemas are the schemas the Supabase shim creates (auth.uid(),
// auth.users, the extensions): Supabase's objects, not the schema under
// test, so the audit does not judge them.
var ShimSchemas = []string{"auth", "extensions"}

// storageRefRE finds a reference to Supabase Storage's schema
// (storage.objects, storage.buckets, storage.foldername(...)): the word
// storage, a dot and a name, not itself part of a longer dotted name or a
// URL (storage.googleapis.com).
var storageRefRE = regexp.MustCompile(`(?i)(?:^|[^\w.$/:-])"?storage"?\s*\.\s*"?([a-z_][a-z0-9_]*)`)

var createStorageRE = regexp.MustCompile(`(?i)\bcreate\s+schema\s+(?:if\s+not\s+exists\s+)?"?storage"?\b`)

// checkStorage fails, before anything is applied, when a schema run with
// the Supabase shim uses Supabase Storage (policies on storage.objects,
// buckets) without creating the storage schema itself: the shim has no
// storage schema, and PostgreSQL's own error would come late and say only
// that a schema does not exist. Comments are ignored.
func checkStorage(files []SQLFile) error {
	for _, f := range files {
		if createStorageRE.MatchString(stripSQLComments(f.SQL)) {
			return nil
		}
	}
	for _, f := range files {
		sql := stripSQLComments(f.SQL)
		loc := storageRefRE.FindStringSubmatchIndex(sql)
		if loc == nil {
			continue
		}
		line := strings.Count(sql[:loc[2]], "\n") + 1
		return fmt.Errorf("%w: %s line %d uses Supabase Storage (storage.%s), which tenantfuzz's Supabase shim does not provide (it has auth and extensions only): "+
			"leave the storage migrations out of --schema (tenantfuzz tests your tables' row-level security, not Storage's), "+
			"or add a migration before them that creates the storage schema and the tables they use",
			ErrSchema, f.Name, line, strings.ToLower(sql[loc[2]:loc[3]]))
	}
	return nil
}

// stripSQLComments blanks -- and /* */ comments outside quoted text,
// keeping newlines so line numbers hold. Dollar-quoted bodies are code and
// are kept (their comments too: a near miss on a commented line in a
// function body is acceptable for a setup check).
func stripSQLComments(sql string) string {
	b := []byte(sql)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\'':
			for i++; i < len(b) && b[i] != '\''; i++ {
			}
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
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
