package generators

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// refRE is what replaceRefs replaces.
var refRE = regexp.MustCompile(`⟦([^⟧]+)⟧`)

// scanText draws strings made of the pieces the scanners look for, whole
// and broken, among noise.
func scanText() *rapid.Generator[string] {
	pieces := []string{"7e4a0000-0000-4000-8000-000000000001", "00000003-0002-4000-8000-00000000000B", "a", "-", "0", "f",
		"7e4a0000-0000-4000-8000-00000000000", "[tf:", "[tf:12]", "[tf:3", "]", "[tf:]", "⟦", "⟧", "⟦documents⟧", "⟦⟧", " ", "x⟦a⟦b⟧"}
	return rapid.Custom(func(t *rapid.T) string {
		return strings.Join(rapid.SliceOfN(rapid.SampledFrom(pieces), 0, 12).Draw(t, "pieces"), "")
	})
}

// TestScannersMatchRegexps: eachUUID, eachCanary and replaceRefs find what
// the regular expressions they replace find.
func TestScannersMatchRegexps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := scanText().Draw(t, "s")
		var uuids []string
		eachUUID(s, func(u string) { uuids = append(uuids, u) })
		if want := uuidRE.FindAllString(s, -1); !reflect.DeepEqual(uuids, want) {
			t.Fatalf("eachUUID(%q) = %q, want %q", s, uuids, want)
		}
		var canaries, want []string
		eachCanary(s, func(d string) { canaries = append(canaries, d) })
		for _, m := range canaryRE.FindAllStringSubmatch(s, -1) {
			want = append(want, m[1])
		}
		if !reflect.DeepEqual(canaries, want) {
			t.Fatalf("eachCanary(%q) = %q, want %q", s, canaries, want)
		}
		sub := func(name string) string { return "<" + name + ">" }
		got := replaceRefs(s, sub)
		wantRefs := refRE.ReplaceAllStringFunc(s, func(m string) string {
			return sub(strings.TrimSuffix(strings.TrimPrefix(m, "⟦"), "⟧"))
		})
		if got != wantRefs {
			t.Fatalf("replaceRefs(%q) = %q, want %q", s, got, wantRefs)
		}
	})
}
