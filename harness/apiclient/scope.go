package apiclient

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Scope is where requests may go: the service URL, accepted only when its
// host is loopback (127.0.0.0/8, ::1, localhost) or one the user named
// (--allow-host). tenantfuzz never sends a request anywhere else, and
// follows no redirect.
type Scope struct {
	Base  *url.URL
	Allow []string // host names or addresses the user allowed, besides loopback
}

// NewScope parses raw and checks it against allow.
func NewScope(raw string, allow []string) (*Scope, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--url %q: want an http:// or https:// URL with a host, e.g. http://127.0.0.1:8080", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--url %q: give the service's base URL, without credentials, query or fragment", u.Redacted())
	}
	s := &Scope{Base: u, Allow: allow}
	if !s.allowed(u.Hostname()) {
		return nil, fmt.Errorf("--url %s: %s is not loopback; tenantfuzz sends requests only to loopback or to a host you name: add --allow-host %s if it is a test host",
			u.Redacted(), u.Hostname(), u.Hostname())
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return s, nil
}

func (s *Scope) allowed(host string) bool {
	if Loopback(host) {
		return true
	}
	for _, a := range s.Allow {
		if strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(host, ".")) {
			return true
		}
	}
	return false
}

// Loopback reports whether host is a loopback address or localhost.
func Loopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// URL is the base URL followed by path.
func (s *Scope) URL(path string) string { return s.Base.String() + path }

// CheckHostPattern checks a --host-pattern: one {COLUMN} placeholder, and
// a host name once it is replaced by a slug.
func CheckHostPattern(p string) error {
	m := placeholder.FindAllString(p, -1)
	if len(m) != 1 {
		return fmt.Errorf("--host-pattern %q: want exactly one {COLUMN} placeholder, e.g. '{slug}.app.test'", p)
	}
	h := strings.Replace(p, m[0], "tf1-abcdef01", 1)
	if strings.ContainsAny(h, "/ @?#") || h == "" {
		return fmt.Errorf("--host-pattern %q: want a host name, e.g. '{slug}.app.test' (the request still goes to --url)", p)
	}
	return nil
}
