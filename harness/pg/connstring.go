package pg

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// redactedPassword replaces passwords in connection strings that are shown.
const redactedPassword = "xxxxx"

// unparseableDSN is what RedactDSN shows for a string it cannot parse, since
// it cannot tell where a password would be.
const unparseableDSN = "<unparseable DSN>"

// secretKeys are the connection parameters whose values are secrets.
var secretKeys = map[string]bool{"password": true, "sslpassword": true}

// isURL reports whether dsn is in libpq's URL form rather than keyword/value.
func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// kvPair is one keyword = value setting of a keyword/value connection string,
// with the value unquoted and unescaped.
type kvPair struct {
	key, value string
}

// isSpace reports whether c is whitespace as libpq's conninfo parser sees it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseKeywordValue splits a libpq keyword/value connection string into its
// settings, in order, following libpq's quoting rules.
func parseKeywordValue(s string) ([]kvPair, error) {
	var pairs []kvPair
	i := 0
	skip := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skip()
		if i == len(s) {
			return pairs, nil
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		skip()
		if i == len(s) || s[i] != '=' || key == "" {
			return nil, fmt.Errorf("missing \"=\" after %q", key)
		}
		i++
		skip()
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			for {
				if i == len(s) {
					return nil, errors.New("unterminated quoted string")
				}
				c := s[i]
				i++
				if c == '\'' {
					break
				}
				if c == '\\' {
					if i == len(s) {
						return nil, errors.New("unterminated quoted string")
					}
					c = s[i]
					i++
				}
				val.WriteByte(c)
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				c := s[i]
				i++
				if c == '\\' {
					if i == len(s) {
						break
					}
					c = s[i]
					i++
				}
				val.WriteByte(c)
			}
		}
		pairs = append(pairs, kvPair{key: key, value: val.String()})
	}
}

// quoteValue quotes a keyword/value setting's value when it needs it.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\v\f'\\") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// formatKeywordValue joins settings into a keyword/value connection string.
func formatKeywordValue(pairs []kvPair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.key + "=" + quoteValue(p.value)
	}
	return strings.Join(parts, " ")
}

// withDBName returns dsn, in the same form, with its database replaced by
// (or set to) name. Every other setting is kept.
func withDBName(dsn, name string) (string, error) {
	if isURL(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("invalid URL")
		}
		u.Path = "/" + name
		u.RawPath = ""
		if q := u.Query(); q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	pairs, err := parseKeywordValue(dsn)
	if err != nil {
		return "", err
	}
	out := pairs[:0]
	for _, p := range pairs {
		if p.key != "dbname" {
			out = append(out, p)
		}
	}
	out = append(out, kvPair{key: "dbname", value: name})
	return formatKeywordValue(out), nil
}

// RedactDSN returns dsn with every password replaced by "xxxxx", in the same
// form (URL or keyword/value). A string it cannot parse comes back as
// "<unparseable DSN>", since it cannot tell where the password would be.
func RedactDSN(dsn string) string {
	if isURL(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return unparseableDSN
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redactedPassword)
		}
		q := u.Query()
		changed := false
		for k := range q {
			if secretKeys[k] {
				q.Set(k, redactedPassword)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	pairs, err := parseKeywordValue(dsn)
	if err != nil {
		return unparseableDSN
	}
	for i := range pairs {
		if secretKeys[pairs[i].key] {
			pairs[i].value = redactedPassword
		}
	}
	return formatKeywordValue(pairs)
}
