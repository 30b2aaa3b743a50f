package generators

import (
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// CallGen generates calls of a function that returns one value (not a
// set): SELECT f(args), its arguments drawn from the world's values of
// each argument's type (any tenant's), or NULL; as SELECT f(...) or
// SELECT * FROM f(...). Set-returning functions
// are read through SelectGen, as relations.
func CallGen(w *World, f *catalog.Function) *rapid.Generator[Statement] {
	return rapid.Custom(func(t *rapid.T) Statement {
		g := &selectGen{t: t, w: w}
		args := make([]string, len(f.ArgBaseTypes))
		for i, typ := range f.ArgBaseTypes {
			args[i] = g.literalOf(typ, "argument "+strconv.Itoa(i+1)+" of "+f.Name)
			if i < len(f.ArgTypes) && f.ArgTypes[i] != "" { // NULL and quoted literals pick the overload
				args[i] = "(" + args[i] + ")::" + f.ArgTypes[i]
			}
		}
		call := catalog.QuoteQualified(f.Schema, f.Name) + "(" + strings.Join(args, ", ") + ")"
		sql := "SELECT " + call
		if rapid.IntRange(0, 1).Draw(t, "as a relation") == 1 { // the same value, the other way applications write it
			sql = "SELECT * FROM " + call + " v"
		}
		return Statement{SQL: sql, Template: sql, Kind: "call", Deterministic: true, Unrestrictable: true}
	})
}
