package generators

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// textValue returns a text value for col: mostly a word with tenant k's
// canary, with the empty string, unicode, long strings and quote-laden
// values among them, shaped to what the column allows. Key columns get a
// serial suffix. A column with a pattern CHECK gets a matching value; an
// application-generated id (a uuid-shaped varchar(36), see machineChosen)
// a uuid, attributed like the uuid keys.
//
// A text identifier (id, *_id: an embedding's or a file's id) is never
// empty or a shared word: it names one tenant's object, and carries the
// canary so a row that shows another tenant's id (a deduplicated
// embedding) is traced to that tenant.
//
// The canary is kept whenever it fits. When the declared length (or a
// length CHECK) is too short for it, the value cannot be attributed to a
// tenant and carries none: the row's key or uuid attributes the row.
func (b *builder) textValue(ti, ci int, col *catalog.Column, label string, k int, unique bool) string {
	c := Canary(k)
	if len(col.Patterns) > 0 {
		if s, ok := matchAll(b.t, label, col.Patterns, col.MinLen, col.MaxLen, unique, b.serial, c); ok {
			return s
		}
	}
	if strings.Contains(machineChosen(col), "uuid") && (col.MaxLen == 0 || col.MaxLen >= 36) {
		return rowUUID(ti, k, ci, b.serial)
	}
	prefix, body, suffix := c, "", ""
	kind := rapid.IntRange(0, 9).Draw(b.t, label+" kind")
	if identifier(col) && (kind == 0 || kind >= 8) {
		kind = 4 // an id names one object of one tenant: a word with the canary
	}
	switch kind {
	case 0:
		prefix = "" // the empty string (a canary-less value: attributed by key)
	case 8, 9:
		if !unique { // a value tenants share, as real data does ('invoice')
			prefix, body = "", rapid.SampledFrom(shared).Draw(b.t, label)
			break
		}
		body = rapid.SampledFrom(words).Draw(b.t, label)
	case 1:
		body = "Zoë ☃ 東京 🙂"
	case 2:
		body = strings.Repeat("long ", 60)
	case 3:
		body = `O'Brien \ %_ ; -- "q"`
	default:
		body = rapid.SampledFrom(words).Draw(b.t, label)
	}
	if unique {
		if prefix == "" && body == "" {
			prefix = c
		}
		suffix = "#" + strconv.Itoa(b.serial)
	}
	if col.ASCII {
		body = strings.Map(func(r rune) rune {
			if r >= 0x80 {
				return -1
			}
			return r
		}, body)
	}
	if n := col.MaxLen; n > 0 {
		runes := []rune(body)
		room := n - utf8.RuneCountInString(prefix) - len(suffix)
		if room < 0 { // too short for the canary: attributed by the key
			prefix, room = "", n-len(suffix)
		}
		if room < 0 { // too short for the suffix: its last characters
			suffix, room = suffix[len(suffix)-n:], 0
		}
		if len(runes) > room {
			body = string(runes[:room])
		}
	}
	s := prefix + body + suffix
	if s == "" && (col.MinLen > 0 || slices.Contains(col.Excluded, "")) {
		s = "x" // the empty string is refused: the canary when it fits
		if col.MaxLen == 0 || utf8.RuneCountInString(c) <= col.MaxLen {
			s = c
		}
	}
	for utf8.RuneCountInString(s) < col.MinLen {
		s += "x"
	}
	for i := 0; slices.Contains(col.Excluded, s) && i < 3; i++ {
		if col.MaxLen > 0 && utf8.RuneCountInString(s) >= col.MaxLen {
			r := []rune(s)
			s = string(r[:len(r)-1])
		}
		s += "y"
	}
	return s
}

// number returns a number within the column's CHECK bounds: integral
// bounds (Min, Max) for every numeric type, exact ones (Lower, Upper, also
// strict) drawn between for numeric and floating point columns. Key
// columns get distinct values.
func (b *builder) number(col *catalog.Column, label string, ti int, unique bool) string {
	fractional := col.BaseType == "numeric" || col.BaseType == "float4" || col.BaseType == "float8"
	if fractional && (col.Lower != nil || col.Upper != nil) {
		lo, okl := boundFloat(col.Lower)
		hi, okh := boundFloat(col.Upper)
		switch {
		case okl && !okh:
			hi = lo + 1000
		case okh && !okl:
			lo = hi - 1000
		}
		if okl || okh {
			f := float64(rapid.IntRange(1, 99).Draw(b.t, label)) / 100
			v := lo + (hi-lo)*f
			return strconv.FormatFloat(v, 'f', decimals(hi-lo), 64)
		}
	}
	if col.Min != nil || col.Max != nil {
		lo, hi := -1000, 1000
		switch {
		case col.Min != nil && col.Max != nil:
			lo, hi = int(math.Ceil(*col.Min)), int(math.Floor(*col.Max))
		case col.Min != nil:
			lo = int(math.Ceil(*col.Min))
			hi = lo + 1000
		default:
			hi = int(math.Floor(*col.Max))
			lo = hi - 1000
		}
		if hi < lo {
			hi = lo
		}
		v := rapid.IntRange(lo, hi).Draw(b.t, label)
		if unique {
			v = lo + b.serial%(hi-lo+1)
		}
		for i := 0; slices.Contains(col.Excluded, strconv.Itoa(v)) && i < 3 && v < hi; i++ {
			v++
		}
		return strconv.Itoa(v)
	}
	if unique {
		return strconv.Itoa(ti*100000 + b.serial)
	}
	var ok []string
	for _, n := range numbers[col.BaseType] {
		if !slices.Contains(col.Excluded, strings.Trim(n, "'")) {
			ok = append(ok, n)
		}
	}
	return rapid.SampledFrom(ok).Draw(b.t, label)
}

// decimals is how many decimals keep a value drawn in a range of width w
// strictly inside it.
func decimals(w float64) int {
	d := 2
	for w > 0 && w < 1 && d < 10 {
		w *= 10
		d++
	}
	return d
}

func boundFloat(b *catalog.Bound) (float64, bool) {
	if b == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(b.Value, 64)
	return v, err == nil
}

// timeLayouts are the forms dates and timestamps take in generated
// literals and in CHECK constants as PostgreSQL renders them.
var timeLayouts = []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05-07", "2006-01-02 15:04:05.999999", "2006-01-02 15:04:05", "2006-01-02"}

func parseInstant(s string) (time.Time, bool) {
	if s == "now" {
		return time.Now().UTC(), true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// instant draws a date or timestamp among the edge values that lie within
// the column's CHECK bounds (Lower, Upper: constants, CURRENT_DATE, now());
// when none does, the bound itself (a day inside a strict one).
func (b *builder) instant(col *catalog.Column, label string, candidates []string) string {
	in := func(s string) bool {
		t, ok := parseInstant(s)
		if !ok {
			return true
		}
		if lo, ok := boundInstant(col.Lower); ok && (t.Before(lo) || col.Lower.Strict && t.Equal(lo)) {
			return false
		}
		if hi, ok := boundInstant(col.Upper); ok && (t.After(hi) || col.Upper.Strict && t.Equal(hi)) {
			return false
		}
		return true
	}
	var ok []string
	for _, c := range candidates {
		if in(c) {
			ok = append(ok, c)
		}
	}
	if len(ok) > 0 {
		return rapid.SampledFrom(ok).Draw(b.t, label)
	}
	if lo, ok := boundInstant(col.Lower); ok {
		return formatInstant(col, lo.AddDate(0, 0, 1))
	}
	if hi, ok := boundInstant(col.Upper); ok {
		return formatInstant(col, hi.AddDate(0, 0, -1))
	}
	return candidates[0]
}

func boundInstant(b *catalog.Bound) (time.Time, bool) {
	if b == nil {
		return time.Time{}, false
	}
	return parseInstant(b.Value)
}

func formatInstant(col *catalog.Column, t time.Time) string {
	if col.BaseType == "date" {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05-07")
}

// identifier reports whether col is named as an id (id, *_id).
func identifier(col *catalog.Column) bool {
	name := strings.ToLower(col.Name)
	return name == "id" || strings.HasSuffix(name, "_id")
}
