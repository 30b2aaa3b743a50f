package generators

import (
	"fmt"
	"slices"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// words are plain values; edge values follow in textValue.
var words = []string{"alpha", "invoice", "Roadmap Q3", "secret plan", "hello world", "x"}

// shared are values without a canary that several tenants hold.
var shared = []string{"invoice", "report", "draft"}

// value returns a SQL literal for column col of a row of tenant k. Text
// carries tenant k's canary; keys get unique values; NULLs appear for
// nullable columns; edge values appear for every type. Values keep to what
// the column's CHECKs, domain and declared length allow (see
// catalog.Column): PostgreSQL refuses the rest, and refused rows leave the
// world.
func (b *builder) value(ti, ci int, rel *catalog.Relation, col *catalog.Column, k int) string {
	label := rel.Name + "." + col.Name
	unique := isUnique(rel, col.Name)
	if b.global {
		k = -1 // Canary(-1) is "[tf:0]": attributed to nobody
	}
	if !col.NotNull && !unique && rapid.IntRange(0, 5).Draw(b.t, label+" null") == 0 {
		return "NULL"
	}
	return b.nonNull(ti, ci, col, label, k, unique)
}

// nonNull is value without NULL.
func (b *builder) nonNull(ti, ci int, col *catalog.Column, label string, k int, unique bool) string {
	if col.Allowed != nil {
		var ok []string
		for _, v := range col.Allowed {
			if !slices.Contains(col.Excluded, v) && (col.MaxLen == 0 || len([]rune(v)) <= col.MaxLen) {
				ok = append(ok, v)
			}
		}
		if len(ok) == 0 {
			return "NULL" // the CHECKs allow nothing the generator knows: refused
		}
		return catalog.QuoteLiteral(rapid.SampledFrom(ok).Draw(b.t, label))
	}
	if len(col.EnumLabels) > 0 {
		return catalog.QuoteLiteral(rapid.SampledFrom(col.EnumLabels).Draw(b.t, label))
	}
	switch col.BaseType {
	case "uuid":
		return catalog.QuoteLiteral(rowUUID(ti, k, ci, b.serial))
	case "text", "varchar", "bpchar", "citext", "name":
		return catalog.QuoteLiteral(b.textValue(ti, ci, col, label, k, unique))
	case "int2", "int4", "int8", "numeric", "float4", "float8", "oid":
		return b.number(col, label, ti, unique)
	case "bool":
		return rapid.SampledFrom([]string{"true", "false"}).Draw(b.t, label)
	case "date":
		return catalog.QuoteLiteral(b.instant(col, label, []string{"2024-02-29", "1970-01-01", "9999-12-31", "0001-01-01", "2026-11-26"}))
	case "timestamptz", "timestamp":
		return catalog.QuoteLiteral(b.instant(col, label, []string{"2024-02-29 12:00:00+00", "1970-01-01 00:00:00+00", "2999-12-31 23:59:59+00", "2026-11-26 13:00:00.123456+00"}))
	case "time", "timetz":
		return catalog.QuoteLiteral(rapid.SampledFrom([]string{"00:00:00", "23:59:59.999999", "12:00:00"}).Draw(b.t, label))
	case "interval":
		return catalog.QuoteLiteral(rapid.SampledFrom([]string{"0", "1 day", "-1 year"}).Draw(b.t, label))
	case "jsonb", "json":
		c := Canary(k)
		return catalog.QuoteLiteral(rapid.SampledFrom([]string{
			`{"owner": "` + c + `", "n": 1}`, `{}`, `[]`, `{"nested": {"k": "` + c + `"}, "list": [1, null]}`, `"` + c + `"`,
		}).Draw(b.t, label))
	case "bytea":
		return catalog.QuoteLiteral(rapid.SampledFrom([]string{`\x`, `\x00ff`, `\x` + fmt.Sprintf("%x", Canary(k))}).Draw(b.t, label))
	case "inet", "cidr":
		return catalog.QuoteLiteral(rapid.SampledFrom([]string{"127.0.0.1", "10.0.0.0/8", "::1"}).Draw(b.t, label))
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

// array returns an array literal for array columns.
func (b *builder) array(label string, col *catalog.Column, k int) string {
	switch col.ElemType {
	case "text", "varchar", "bpchar":
		return rapid.SampledFrom([]string{"'{}'", "ARRAY[" + catalog.QuoteLiteral(Canary(k)+"tag") + ", 'b']", "ARRAY[NULL, " + catalog.QuoteLiteral(Canary(k)) + "]"}).Draw(b.t, label)
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
