package generators

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// words are plain values; edge values follow in textValue.
var words = []string{"alpha", "invoice", "Roadmap Q3", "secret plan", "hello world", "x"}

// shared are values without a canary that several tenants hold.
var shared = []string{"invoice", "report", "draft"}

var typmodRE = regexp.MustCompile(`\((\d+)\)`)

// value returns a SQL literal for column col of a row of tenant k. Text
// carries tenant k's canary; keys get unique values; NULLs appear for
// nullable columns; edge values appear for every type.
func (b *builder) value(ti, ci int, rel *catalog.Relation, col *catalog.Column, k int) string {
	label := rel.Name + "." + col.Name
	unique := isUnique(rel, col.Name)
	if b.global {
		k = -1 // Canary(-1) is "[tf:0]": attributed to nobody
	}
	if !col.NotNull && !unique && rapid.IntRange(0, 5).Draw(b.t, label+" null") == 0 {
		return "NULL"
	}
	if len(col.Allowed) > 0 {
		return quote(rapid.SampledFrom(col.Allowed).Draw(b.t, label))
	}
	if len(col.EnumLabels) > 0 {
		return quote(rapid.SampledFrom(col.EnumLabels).Draw(b.t, label))
	}
	switch col.BaseType {
	case "uuid":
		return quote(rowUUID(ti, k, ci, b.serial))
	case "text", "varchar", "bpchar", "citext", "name":
		s := b.text(label, k, unique)
		if m := typmodRE.FindStringSubmatch(col.Type); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > 0 && len([]rune(s)) > n {
				s = string([]rune(s)[:n])
			}
		}
		return quote(s)
	case "int2", "int4", "int8", "numeric", "float4", "float8", "oid":
		if col.Min != nil || col.Max != nil {
			lo, hi := -1000, 1000
			if col.Min != nil {
				lo = int(*col.Min)
			}
			if col.Max != nil {
				hi = int(*col.Max)
			}
			if hi < lo {
				hi = lo
			}
			return strconv.Itoa(rapid.IntRange(lo, hi).Draw(b.t, label))
		}
		if unique {
			return strconv.Itoa(ti*100000 + b.serial)
		}
		return rapid.SampledFrom(numbers[col.BaseType]).Draw(b.t, label)
	case "bool":
		return rapid.SampledFrom([]string{"true", "false"}).Draw(b.t, label)
	case "date":
		return quote(rapid.SampledFrom([]string{"2024-02-29", "1970-01-01", "9999-12-31", "0001-01-01", "2026-11-26"}).Draw(b.t, label))
	case "timestamptz", "timestamp":
		return quote(rapid.SampledFrom([]string{"2024-02-29 12:00:00+00", "1970-01-01 00:00:00+00", "2999-12-31 23:59:59+00", "2026-11-26 13:00:00.123456+00"}).Draw(b.t, label))
	case "time", "timetz":
		return quote(rapid.SampledFrom([]string{"00:00:00", "23:59:59.999999", "12:00:00"}).Draw(b.t, label))
	case "interval":
		return quote(rapid.SampledFrom([]string{"0", "1 day", "-1 year"}).Draw(b.t, label))
	case "jsonb", "json":
		c := Canary(k)
		return quote(rapid.SampledFrom([]string{
			`{"owner": "` + c + `", "n": 1}`, `{}`, `[]`, `{"nested": {"k": "` + c + `"}, "list": [1, null]}`, `"` + c + `"`,
		}).Draw(b.t, label))
	case "bytea":
		return quote(rapid.SampledFrom([]string{`\x`, `\x00ff`, `\x` + fmt.Sprintf("%x", Canary(k))}).Draw(b.t, label))
	case "inet", "cidr":
		return quote(rapid.SampledFrom([]string{"127.0.0.1", "10.0.0.0/8", "::1"}).Draw(b.t, label))
	}
	if col.Category == "A" {
		return b.array(label, col, k)
	}
	if col.HasDefault || !col.NotNull {
		return "DEFAULT"
	}
	return "NULL" // an unknown required type: the insert fails and the row is dropped
}

var numbers = map[string][]string{
	"int2":    {"0", "1", "-1", "42", "32767", "-32768"},
	"int4":    {"0", "1", "-1", "42", "2147483647", "-2147483648"},
	"int8":    {"0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808"},
	"oid":     {"0", "1", "4294967295"},
	"numeric": {"0", "1", "-1", "3.14159", "1e20", "-0.000001"},
	"float4":  {"0", "1", "-1", "3.5", "1e30", "'NaN'"},
	"float8":  {"0", "1", "-1", "3.5", "1e300", "'NaN'", "'-Infinity'"},
}

// text returns a text value: mostly a word with tenant k's canary, with the
// empty string, unicode, long strings and quote-laden values among them.
// Unique columns get a serial suffix and always keep the canary.
func (b *builder) text(label string, k int, unique bool) string {
	c := Canary(k)
	kind := rapid.IntRange(0, 9).Draw(b.t, label+" kind")
	var s string
	switch kind {
	case 0:
		s = "" // the empty string (a canary-less value: attributed by key)
	case 8, 9:
		if !unique { // a value tenants share, as real data does ('invoice')
			s = rapid.SampledFrom(shared).Draw(b.t, label)
			break
		}
		s = c + rapid.SampledFrom(words).Draw(b.t, label)
	case 1:
		s = c + "Zoë ☃ 東京 🙂"
	case 2:
		s = c + strings.Repeat("long ", 60)
	case 3:
		s = c + `O'Brien \ %_ ; -- "q"`
	default:
		s = c + rapid.SampledFrom(words).Draw(b.t, label)
	}
	if unique {
		if s == "" {
			s = c
		}
		s += "#" + strconv.Itoa(b.serial)
	}
	return s
}

// array returns an array literal for array columns.
func (b *builder) array(label string, col *catalog.Column, k int) string {
	switch col.ElemType {
	case "text", "varchar", "bpchar":
		return rapid.SampledFrom([]string{"'{}'", "ARRAY[" + quote(Canary(k)+"tag") + ", 'b']", "ARRAY[NULL, " + quote(Canary(k)) + "]"}).Draw(b.t, label)
	case "int2", "int4", "int8", "numeric":
		return rapid.SampledFrom([]string{"'{}'", "'{1,2,3}'", "'{0,NULL}'"}).Draw(b.t, label)
	case "uuid":
		return "'{}'"
	}
	if col.NotNull {
		return "'{}'"
	}
	return "NULL"
}
