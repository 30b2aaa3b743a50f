package generators

import (
	"strings"

	"pgregory.net/rapid"
)

// HostileID generates tenant ids an attacker could send where the
// application expects its own tenant id: SQL injection into a formatted
// SET, quotes, statement separators, comment markers, backslashes,
// unicode look-alikes and zero-width characters, invalid UTF-8, very long
// values, the empty string, and spellings of another tenant's id (case,
// braces, spaces) that may parse as that id after trimming or case folding.
func HostileID(w *World, viewer int) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		own := w.TenantID(viewer)
		other := w.TenantID((viewer + 1 + rapid.IntRange(0, max(len(w.Tenants)-2, 0)).Draw(t, "other")) % len(w.Tenants))
		forms := []string{
			own + "'; SET app.tenant_id = '" + other,
			own + "'; SET LOCAL app.tenant_id = '" + other + "'; --",
			"' OR 1=1 --",
			own + "' OR tenant_id IS NOT NULL --",
			own + `\'; SET app.tenant_id = '` + other,
			"/* */" + other,
			other + "'",
			strings.ToUpper(other),
			"{" + other + "}",
			" " + other + " ",
			strings.ReplaceAll(other, "-", ""),
			strings.ReplaceAll(own, "0", "０"), // fullwidth digit
			own + "\u200b",
			own + "\xff\xfe",
			strings.Repeat(own, 300),
			"",
			own + "\x00" + other,
			"'; RESET ROLE; --",
			"'; SET ROLE postgres; SET app.tenant_id = '" + other,
		}
		return forms[rapid.IntRange(0, len(forms)-1).Draw(t, "hostile form")]
	})
}
