package generators

import "strings"

// The scanners here find what uuidRE, canaryRE and refRE match, with the
// same leftmost, non-overlapping results, without a regular expression:
// they run on every value a tenant gets back and on every statement drawn,
// where the regexp engine was a measurable share of a check's CPU time.

// uuidLen is the length of a uuid's text.
const uuidLen = 36

// eachUUID calls f with every uuid (8-4-4-4-12 hex digits) in s, in order.
func eachUUID(s string, f func(string)) {
	if strings.IndexByte(s, '-') < 0 {
		return
	}
	for i := 0; i+uuidLen <= len(s); {
		if isUUID(s[i : i+uuidLen]) {
			f(s[i : i+uuidLen])
			i += uuidLen
			continue
		}
		i++
	}
}

// isUUID reports whether s (36 bytes) is a uuid's text.
func isUUID(s string) bool {
	for i := 0; i < uuidLen; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// eachCanary calls f with the digits of every canary ([tf:N]) in s.
func eachCanary(s string, f func(digits string)) {
	for {
		i := strings.Index(s, "[tf:")
		if i < 0 {
			return
		}
		s = s[i+4:]
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > 0 && j < len(s) && s[j] == ']' {
			f(s[:j])
			s = s[j+1:]
		}
	}
}

// Relation references in templates.
const (
	refOpen  = "⟦"
	refClose = "⟧"
)

// replaceRefs replaces every relation reference (⟦name⟧, name not empty)
// in template with sub(name).
func replaceRefs(template string, sub func(name string) string) string {
	if !strings.Contains(template, refOpen) {
		return template
	}
	var b strings.Builder
	for {
		i := strings.Index(template, refOpen)
		if i < 0 {
			break
		}
		rest := template[i+len(refOpen):]
		j := strings.Index(rest, refClose)
		if j < 0 {
			break
		}
		if j == 0 { // ⟦⟧ is no reference
			b.WriteString(template[:i+len(refOpen)])
			template = rest
			continue
		}
		b.WriteString(template[:i])
		b.WriteString(sub(rest[:j]))
		template = rest[j+len(refClose):]
	}
	b.WriteString(template)
	return b.String()
}
