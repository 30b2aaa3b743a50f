package reportcheck

import (
	"regexp"
	"strings"
)

var externalRef = regexp.MustCompile(`(?i)<script|<link\b|<iframe|<object|<embed|\bsrc\s*=|@import|url\(\s*['"]?(?:https?:|//)`)

// HTML checks that a report page is one self-contained file: a complete
// document with inline CSS, no script and nothing loaded from elsewhere
// (links to read are allowed).
func HTML(b []byte) error {
	var p problems
	s := string(b)
	if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.Contains(s, "</html>") {
		p.add("html: not a complete document")
	}
	if !strings.Contains(s, "<style>") {
		p.add("html: no inline style")
	}
	for _, m := range externalRef.FindAllString(s, -1) {
		p.add("html: external or scripted content: %q", m)
	}
	return p.err()
}
