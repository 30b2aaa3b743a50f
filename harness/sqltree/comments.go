package sqltree

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// BlankComments replaces the comments of SQL text with spaces, keeping its
// length and every newline (offsets keep their line), using PostgreSQL's
// own scanner: -- and nested /* */ comments are found wherever the server
// finds them, never inside '...', E'...', "..." or dollar-quoted strings.
// Dollar-quoted strings are function bodies as often as not, so their
// contents are blanked the same way (a body's comments are comments of
// the SQL or PL/pgSQL inside). Text the scanner rejects (an unterminated
// quote) is returned unchanged.
func BlankComments(s string) string {
	res, err := pg_query.Scan(s)
	if err != nil {
		return s
	}
	b := []byte(s)
	for _, t := range res.GetTokens() {
		from, to := int(t.Start), int(t.End)
		if from < 0 || to > len(b) || from >= to {
			continue
		}
		switch t.Token {
		case pg_query.Token_SQL_COMMENT, pg_query.Token_C_COMMENT:
			for i := from; i < to; i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
		case pg_query.Token_SCONST:
			if b[from] != '$' {
				continue
			}
			tag := strings.IndexByte(s[from+1:to], '$')
			if tag < 0 {
				continue
			}
			open := from + tag + 2
			close := to - (tag + 2)
			if open < close {
				copy(b[open:close], BlankComments(s[open:close]))
			}
		}
	}
	return string(b)
}
