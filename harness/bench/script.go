package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tracedQuery is one query as the harness sent it.
type tracedQuery struct {
	SQL  string
	Args []any
	Err  bool // the server answered with an error
}

// Protocols pgbench replays a script with (its -M flag).
const (
	protoSimple   = "simple"   // several statements as one compound command (\;)
	protoExtended = "extended" // several statements as a pipeline
)

// writeScript renders queries as a pgbench script for -M proto: one command
// per query; a query of several statements (a simple-protocol string such
// as "BEGIN; SET LOCAL ...", or one of the harness's pipelines) as one
// compound command (simple) or one pipeline (extended), so that it stays
// one round trip; bind parameters inlined as literals.
func writeScript(queries []tracedQuery, proto string) (string, error) {
	var b strings.Builder
	for _, q := range queries {
		cmd, err := scriptCommand(q.SQL, q.Args, proto)
		if err != nil {
			return "", err
		}
		b.WriteString(cmd)
	}
	return b.String(), nil
}

// scriptCommand renders one query as pgbench commands.
func scriptCommand(sql string, args []any, proto string) (string, error) {
	sql, err := inlineArgs(sql, args)
	if err != nil {
		return "", err
	}
	parts := splitSQL(sql)
	switch {
	case len(parts) == 0:
		return "", nil
	case len(parts) == 1:
		return parts[0] + ";\n", nil
	case proto == protoSimple:
		return strings.Join(parts, " \\;\n") + ";\n", nil
	}
	return "\\startpipeline\n" + strings.Join(parts, ";\n") + ";\n\\endpipeline\n", nil
}

// inlineArgs replaces $1, $2 ... by the arguments as SQL literals (pgx's
// query options among them, such as the exec mode, are not arguments).
// Placeholders inside literals or identifiers are left alone.
func inlineArgs(sql string, args []any) (string, error) {
	var lits []string
	for _, a := range args {
		if _, ok := a.(pgx.QueryExecMode); ok {
			continue
		}
		i := len(lits)
		lits = append(lits, "")
		switch v := a.(type) {
		case string:
			lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case int, int32, int64:
			lits[i] = fmt.Sprint(v)
		case bool:
			lits[i] = strconv.FormatBool(v)
		default:
			return "", fmt.Errorf("write pgbench script: argument %d of %q is a %T: only strings, integers and booleans can be inlined", i+1, sql, a)
		}
	}
	if len(lits) == 0 {
		return sql, nil
	}
	var b strings.Builder
	err := scanSQL(sql, func(code string) {
		for i := 0; i < len(code); i++ {
			if code[i] == '$' && i+1 < len(code) && code[i+1] >= '1' && code[i+1] <= '9' {
				j := i + 1
				for j < len(code) && code[j] >= '0' && code[j] <= '9' {
					j++
				}
				n, _ := strconv.Atoi(code[i+1 : j])
				if n <= len(lits) {
					b.WriteString(lits[n-1])
					i = j - 1
					continue
				}
			}
			b.WriteByte(code[i])
		}
	}, func(quoted string) { b.WriteString(quoted) })
	return b.String(), err
}

// splitSQL splits a query string into its statements at the semicolons
// outside literals, quoted identifiers, dollar quotes and comments, trimmed
// and without empty ones.
func splitSQL(sql string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	_ = scanSQL(sql, func(code string) {
		for {
			i := strings.IndexByte(code, ';')
			if i < 0 {
				cur.WriteString(code)
				return
			}
			cur.WriteString(code[:i])
			flush()
			code = code[i+1:]
		}
	}, func(quoted string) { cur.WriteString(quoted) })
	flush()
	return out
}

// scanSQL walks sql, handing plain code to code and every literal, quoted
// identifier, dollar-quoted string and comment, whole, to quoted. It
// reports an unterminated one as an error (after handing it over as is).
func scanSQL(sql string, code, quoted func(string)) error {
	start := 0
	for i := 0; i < len(sql); {
		end, kind := quotedEnd(sql, i)
		if kind == "" {
			i++
			continue
		}
		code(sql[start:i])
		if end < 0 {
			quoted(sql[i:])
			return fmt.Errorf("split sql: unterminated %s in %q", kind, sql)
		}
		quoted(sql[i:end])
		i, start = end, end
	}
	code(sql[start:])
	return nil
}

// quotedEnd reports whether a quoted part starts at i and, if so, where it
// ends (-1: never) and what it is.
func quotedEnd(s string, i int) (int, string) {
	switch {
	case s[i] == '\'':
		return closeQuote(s, i, '\''), "literal"
	case s[i] == '"':
		return closeQuote(s, i, '"'), "quoted identifier"
	case strings.HasPrefix(s[i:], "--"):
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j + 1, "comment"
		}
		return len(s), "comment"
	case strings.HasPrefix(s[i:], "/*"):
		if j := strings.Index(s[i+2:], "*/"); j >= 0 {
			return i + 2 + j + 2, "comment"
		}
		return -1, "comment"
	case s[i] == '$' && (i == 0 || !isIdentChar(s[i-1])):
		j := i + 1
		for j < len(s) && isIdentChar(s[j]) && !(j == i+1 && s[j] >= '0' && s[j] <= '9') {
			j++
		}
		if j < len(s) && s[j] == '$' {
			tag := s[i : j+1]
			if k := strings.Index(s[j+1:], tag); k >= 0 {
				return j + 1 + k + len(tag), "dollar-quoted string"
			}
			return -1, "dollar-quoted string"
		}
	}
	return 0, ""
}

// closeQuote returns the end of a quoted part opened at i, where a doubled
// quote character stands for itself.
func closeQuote(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return -1
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
