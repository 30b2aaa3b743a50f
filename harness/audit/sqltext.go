package audit

import (
	"regexp"
	"strings"
)

// The helpers here read SQL text the way the checks need it: policy
// expressions as pg_get_expr prints them (fully parenthesised, casts
// spelled ::type) and function bodies as written, after
// sqltree.BlankComments (PostgreSQL's scanner) removed the comments. They
// are lexical, not a parser: they know quoted strings, quoted identifiers
// and parentheses, and nothing else.

// skipQuoted returns the index just past the quoted token starting at i
// ('...' with ” escapes, or "..." with "" escapes).
func skipQuoted(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// blankStrings replaces the contents of '...' literals with nothing, so
// that words inside strings are not taken for identifiers.
func blankStrings(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			j := skipQuoted(s, i)
			b.WriteString("''")
			i = j - 1
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// castRE matches a cast as pg_get_expr prints it, with its type name.
var castRE = regexp.MustCompile(`(?i)::\s*(?:"[^"]*"|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?(?:\s+(?:varying|precision|with\s+time\s+zone|without\s+time\s+zone))?)(?:\([0-9, ]*\))?(?:\[\])*`)

var identTokenRE = regexp.MustCompile(`"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*`)

// identifiers returns the identifiers and key words of s, lower-cased
// (quoted identifiers keep their case), outside strings and cast types.
// Qualified names contribute each part.
func identifiers(s string) []string {
	s = blankStrings(s)
	s = castRE.ReplaceAllString(s, " ")
	var out []string
	for _, m := range identTokenRE.FindAllString(s, -1) {
		if strings.HasPrefix(m, `"`) {
			out = append(out, strings.ReplaceAll(m[1:len(m)-1], `""`, `"`))
			continue
		}
		out = append(out, strings.ToLower(m))
	}
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// calls returns the argument lists of every call of the named function in
// s (case-insensitive, optionally schema-qualified), each argument trimmed.
func calls(s, name string) [][]string {
	var out [][]string
	lower := strings.ToLower(s)
	name = strings.ToLower(name)
	for i := 0; ; {
		k := strings.Index(lower[i:], name)
		if k < 0 {
			return out
		}
		start := i + k
		i = start + len(name)
		if start > 0 && (isIdentByte(lower[start-1]) || lower[start-1] == '"') {
			continue
		}
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
			j++
		}
		if j >= len(s) || s[j] != '(' {
			continue
		}
		args, end := splitArgs(s, j)
		out = append(out, args)
		i = end
	}
}

// splitArgs splits the parenthesised list starting at s[open] == '(' at
// its top-level commas and returns the arguments and the index past ')'.
func splitArgs(s string, open int) ([]string, int) {
	var args []string
	depth, from := 0, open+1
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			i = skipQuoted(s, i) - 1
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if depth == 0 {
				if a := strings.TrimSpace(s[from:i]); a != "" || len(args) > 0 {
					args = append(args, a)
				}
				return args, i + 1
			}
		case ',':
			if depth == 1 {
				args = append(args, strings.TrimSpace(s[from:i]))
				from = i + 1
			}
		}
	}
	return append(args, strings.TrimSpace(s[from:])), len(s)
}

// trimParens removes parentheses that enclose the whole expression.
func trimParens(s string) string {
	for {
		s = strings.TrimSpace(s)
		if len(s) < 2 || s[0] != '(' {
			return s
		}
		if _, end := splitArgs(s, 0); end != len(s) {
			return s
		}
		s = s[1 : len(s)-1]
	}
}

// splitTop splits an expression at the top-level occurrences of the key
// word op ("OR" or "AND"), after removing enclosing parentheses.
func splitTop(expr, op string) []string {
	expr = trimParens(expr)
	var parts []string
	depth, from := 0, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '\'' || c == '"':
			i = skipQuoted(expr, i) - 1
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case depth == 0 && hasWordAt(expr, i, op):
			parts = append(parts, strings.TrimSpace(expr[from:i]))
			from = i + len(op)
			i += len(op) - 1
		}
	}
	return append(parts, strings.TrimSpace(expr[from:]))
}

// hasWordAt reports whether the key word w (case-insensitive) stands at s[i]
// as a whole word.
func hasWordAt(s string, i int, w string) bool {
	if i+len(w) > len(s) || !strings.EqualFold(s[i:i+len(w)], w) {
		return false
	}
	if i > 0 && isIdentByte(s[i-1]) {
		return false
	}
	return i+len(w) == len(s) || !isIdentByte(s[i+len(w)])
}

// isFalse reports whether a SQL argument is the boolean constant false.
func isFalse(arg string) bool {
	a := strings.ToLower(strings.TrimSpace(trimParens(arg)))
	a = strings.TrimSuffix(a, "::boolean")
	a = strings.TrimSuffix(a, "::bool")
	switch a {
	case "false", "'f'", "'false'", "'off'", "'no'", "'0'":
		return true
	}
	return false
}

// isTrue reports whether a SQL argument is the boolean constant true.
func isTrue(arg string) bool {
	a := strings.ToLower(strings.TrimSpace(trimParens(arg)))
	a = strings.TrimSuffix(a, "::boolean")
	a = strings.TrimSuffix(a, "::bool")
	switch a {
	case "true", "'t'", "'true'", "'on'", "'yes'", "'1'":
		return true
	}
	return false
}
