package fake

import (
	"encoding/base64"
	"strings"
)

// page is what a listing request asks for: how many items, after which
// key (from its pagination token), with which prefix.
type page struct {
	limit  int
	after  string
	prefix string
}

// readPage reads a listing request's limit (default DefaultListLimit, at
// most max), pagination token and prefix (nil: none).
func readPage(limit *uint32, token, prefix *string, max int) (page, error) {
	l, err := pageLimit(limit, DefaultListLimit, max)
	if err != nil {
		return page{}, err
	}
	after, err := decodeToken(token)
	if err != nil {
		return page{}, err
	}
	p := page{limit: l, after: after}
	if prefix != nil {
		p.prefix = *prefix
	}
	return p, nil
}

func pageLimit(l *uint32, def, max int) (int, error) {
	if l == nil {
		return def, nil
	}
	if *l < 1 || int(*l) > max {
		return 0, invalid("limit must be between 1 and %d, got %d", max, *l)
	}
	return int(*l), nil
}

func paginate(ids []string, limit int) ([]string, *wirePagination) {
	if len(ids) <= limit {
		return ids, nil
	}
	return ids[:limit], &wirePagination{Next: encodeToken(ids[limit-1])}
}

const tokenPrefix = "tf1:"

func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + after))
}

func decodeToken(tok *string) (string, error) {
	if tok == nil || *tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || !strings.HasPrefix(string(b), tokenPrefix) {
		return "", invalid("invalid pagination token %q", *tok)
	}
	return strings.TrimPrefix(string(b), tokenPrefix), nil
}
