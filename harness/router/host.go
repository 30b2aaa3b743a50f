package router

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultZone is the zone of the wildcard rule (*.example.test).
const DefaultZone = "example.test"

// Errors the reference router refuses a request with. They are sentinels:
// callers (and the properties) branch on them with errors.Is.
var (
	ErrUnknownHost   = errors.New("unknown host")
	ErrUnknownTenant = errors.New("unknown tenant")
	ErrUnknownTier   = errors.New("unknown tier")
	ErrNoDedicated   = errors.New("no dedicated database registered")
)

// CanonicalHost is the reference reading of a Host header: ASCII letters
// lowered (DNS names are case-insensitive, and only ASCII folds: a Kelvin
// sign or a long s must not become k or s), one numeric port and one
// trailing dot removed (both name the same host), and then it must be a
// letters-digits-hyphens host name. Anything else (empty, non-ASCII
// look-alikes, empty labels, userinfo, spaces) is ErrUnknownHost.
func CanonicalHost(host string) (string, error) {
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		port := h[i+1:]
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || len(port) > 5 || strings.TrimLeft(port, "0123456789") != "" {
			return "", fmt.Errorf("%w: %q has an invalid port", ErrUnknownHost, host)
		}
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return "", fmt.Errorf("%w: %q is empty or too long", ErrUnknownHost, host)
	}
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	h = b.String()
	for _, label := range strings.Split(h, ".") {
		if !ValidLabel(label) {
			return "", fmt.Errorf("%w: %q is not a host name (label %q)", ErrUnknownHost, host, label)
		}
	}
	return h, nil
}

// ValidLabel reports whether s is a lower-case DNS label: 1-63 of a-z, 0-9
// and '-', not starting or ending with '-'. Slugs must be valid labels.
func ValidLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// WildcardSlug returns the slug a canonical host names under the wildcard
// rule *.zone: exactly one label before the zone (as DNS wildcards and
// ingress rules match), so evil.enterprise-client.example.test names none.
func WildcardSlug(host, zone string) (string, bool) {
	slug, ok := strings.CutSuffix(host, "."+zone)
	if !ok || slug == "" || strings.Contains(slug, ".") {
		return "", false
	}
	return slug, true
}
