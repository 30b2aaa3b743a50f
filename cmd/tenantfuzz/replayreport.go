package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/reports"
)

// replayFromReport handles `tenantfuzz replay --report report.json
// [--finding N]`: it reads the finding's replay line from the report and
// returns its arguments. ok is false when --report is not given.
func replayFromReport(args []string, stderr io.Writer) (out []string, code int, ok bool) {
	path, n := "", 1
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--report" || a == "-report":
			if i+1 >= len(args) {
				fmt.Fprintln(stderr, "tenantfuzz replay: --report needs a path to report.json")
				return nil, exitUsage, true
			}
			path, i = args[i+1], i+1
		case strings.HasPrefix(a, "--report="):
			path = strings.TrimPrefix(a, "--report=")
		case a == "--finding" || a == "-finding":
			if i+1 >= len(args) {
				fmt.Fprintln(stderr, "tenantfuzz replay: --finding needs a number")
				return nil, exitUsage, true
			}
			v, err := strconv.Atoi(args[i+1])
			if err != nil || v < 1 {
				fmt.Fprintf(stderr, "tenantfuzz replay: --finding must be a positive number, got %q\n", args[i+1])
				return nil, exitUsage, true
			}
			n, i = v, i+1
		default:
			rest = append(rest, a)
		}
	}
	if path == "" {
		return nil, exitOK, false
	}
	rep, err := reports.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "tenantfuzz replay: %v\n", err)
		return nil, exitUsage, true
	}
	if n > len(rep.Findings) {
		fmt.Fprintf(stderr, "tenantfuzz replay: %s has %d findings, no finding %d\n", path, len(rep.Findings), n)
		return nil, exitUsage, true
	}
	words, err := shellSplit(rep.Findings[n-1].Replay)
	if err != nil || len(words) < 2 || words[0] != "tenantfuzz" || words[1] != "replay" {
		fmt.Fprintf(stderr, "tenantfuzz replay: finding %d of %s has no usable replay line %q\n", n, path, rep.Findings[n-1].Replay)
		return nil, exitUsage, true
	}
	return append(words[2:], rest...), exitOK, true
}

// shellSplit splits a command line the way a POSIX shell would for the
// quoting replay lines use: single quotes, double quotes, backslashes.
func shellSplit(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			if c == '"' {
				quote = 0
			} else if c == '\\' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
