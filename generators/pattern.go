package generators

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// patternGen generates strings matching the regular expressions of a
// column's CHECKs (slugs, codes, emails by LIKE): it walks the expression's
// syntax tree (Go's regexp/syntax reads the simple POSIX forms schemas
// use: anchors, character classes, [[:alpha:]], repeats with + * ? {m,n},
// groups and alternation). A unique column's value encodes tag (the row's
// serial) in the characters of its classes, so keys do not repeat. The
// canary goes where the pattern takes any character (.*, .+), when it
// does; otherwise the value carries no canary and the row is attributed by
// its key. Limits: back-references and PostgreSQL-only escapes (\m, \y)
// do not parse: no value is generated and PostgreSQL's refusal is reported.
type patternGen struct {
	t      *rapid.T
	label  string
	unique bool
	tag    int
	canary string
	extra  int // extra repetitions per open repeat, to reach a minimum length
}

// matchAll generates a value matching every pattern within the length
// bounds (maxLen 0: none), or "" and false.
func matchAll(t *rapid.T, label string, patterns []string, minLen, maxLen int, unique bool, tag int, canary string) (string, bool) {
	var res []*regexp.Regexp
	var trees []*syntax.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return "", false
		}
		tree, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			return "", false
		}
		res, trees = append(res, re), append(trees, tree)
	}
	ok := func(s string) bool {
		n := utf8.RuneCountInString(s)
		if n < minLen || (maxLen > 0 && n > maxLen) {
			return false
		}
		for _, re := range res {
			if !re.MatchString(s) {
				return false
			}
		}
		return true
	}
	// The first pattern builds the value; the others check it.
	for _, c := range []string{canary, ""} {
		for _, extra := range []int{0, minLen, 0} {
			g := &patternGen{t: t, label: label, unique: unique, tag: tag, canary: c, extra: extra}
			var b strings.Builder
			g.gen(&b, trees[0])
			if s := b.String(); ok(s) {
				return s, true
			}
		}
	}
	return "", false
}

func (g *patternGen) gen(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		g.repeat(b, re, 1, 1)
	case syntax.OpCapture:
		g.gen(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.gen(b, s)
		}
	case syntax.OpAlternate:
		i := 0
		if !g.unique {
			i = rapid.IntRange(0, len(re.Sub)-1).Draw(g.t, g.label+" alternative")
		}
		g.gen(b, re.Sub[i])
	case syntax.OpStar:
		g.repeat(b, re.Sub[0], 0, -1)
	case syntax.OpPlus:
		g.repeat(b, re.Sub[0], 1, -1)
	case syntax.OpQuest:
		g.repeat(b, re.Sub[0], 0, 1)
	case syntax.OpRepeat:
		g.repeat(b, re.Sub[0], re.Min, re.Max)
	}
	// anchors, boundaries and empty matches write nothing
}

// repeat writes sub between lo and hi times (hi -1: unbounded).
func (g *patternGen) repeat(b *strings.Builder, sub *syntax.Regexp, lo, hi int) {
	if hi < 0 {
		hi = lo + 3 + g.extra
	}
	if (sub.Op == syntax.OpAnyChar || sub.Op == syntax.OpAnyCharNotNL) && g.canary != "" && hi-lo > 1 {
		b.WriteString(g.canary) // any character: the canary fits here
		g.canary = ""
		return
	}
	chars := classChars(sub)
	if chars == nil { // a group: repeat it
		n := lo
		if !g.unique && hi > lo {
			n = rapid.IntRange(lo, min(hi, lo+2)).Draw(g.t, g.label+" repeat")
		}
		for i := 0; i < n; i++ {
			g.gen(b, sub)
		}
		return
	}
	if g.unique { // the tag's digits in the class's characters
		var digits []rune
		rem := g.tag
		for ; rem > 0 && len(digits) < hi; rem /= len(chars) {
			digits = append(digits, chars[rem%len(chars)])
		}
		g.tag = rem
		for len(digits) < lo+min(g.extra, hi-lo) {
			digits = append(digits, chars[0])
		}
		b.WriteString(string(digits))
		return
	}
	n := rapid.IntRange(lo, min(hi, lo+2+g.extra)).Draw(g.t, g.label+" length")
	for i := 0; i < n; i++ {
		b.WriteRune(chars[rapid.IntRange(0, len(chars)-1).Draw(g.t, g.label+" char")])
	}
}

// classChars lists the characters a single-character node matches,
// printable ASCII first (at most 64 of them), or nil for other nodes.
func classChars(re *syntax.Regexp) []rune {
	var ranges []rune
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) != 1 {
			return nil
		}
		return []rune{re.Rune[0]}
	case syntax.OpCharClass:
		ranges = re.Rune
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		ranges = []rune{'a', 'z'}
	default:
		return nil
	}
	var out []rune
	for i := 0; i+1 < len(ranges) && len(out) < 64; i += 2 {
		for r := max(ranges[i], 0x20); r <= ranges[i+1] && r < 0x7f && len(out) < 64; r++ {
			out = append(out, r)
		}
	}
	if len(out) == 0 && len(ranges) > 0 {
		out = []rune{ranges[0]}
	}
	// letters and digits before punctuation: readable values
	var plain, other []rune
	for _, r := range out {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			plain = append(plain, r)
		} else {
			other = append(other, r)
		}
	}
	return append(plain, other...)
}
