package generators

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// sharedContent are documents several tenants upload, as real tenants do
// (the same public PDF, the same terms, the same chunk of text). A row
// that draws one holds it in every content column (see contentColumns),
// the same text whichever tenant owns the row: titles, bodies, chunk text
// and search words then collide across tenants, so dedupe by content, a
// cache keyed by text and a content-addressed path are taken. The texts
// carry no canary and differ in their first character, so a short column
// keeps them apart.
var sharedContent = []string{
	"Terms of service (public, v3)",
	"Employee handbook 2026: chapter 1",
}

// shareContent gives a quarter of tenant k's rows of rel the content of
// one of sharedContent, in every content column, while the row's keys stay
// its own; a row under a shared parent (a chunk of a shared document: the
// same PDF has the same chunks) shares its parent's text. A row is shared
// only when it stays attributable to k by a key (its tenant column, or a
// generated uuid or a foreign key of k's among the columns left alone: see
// attributable), since its text no longer names its owner. Where a content
// column is in a key scoped by the tenant (UNIQUE (tenant_id, checksum)),
// a tenant holds each shared text at most once in rel, so the key holds.
// Support tables' rows, and the tenants table's (a tenant's own name is
// not an upload), are never shared.
func (b *builder) shareContent(rel *catalog.Relation, k int, vals map[string]string) {
	if b.global || rel == b.cat.TenantsTable {
		return
	}
	cols := contentColumns(rel)
	if len(cols) == 0 || !b.attributable(rel, k, vals, cols) {
		return
	}
	item, inherited := b.sharedParent(rel, vals)
	if !inherited {
		if rapid.IntRange(0, 3).Draw(b.t, rel.Name+" shared content of "+b.w.Tenants[k].Label) != 0 {
			return
		}
		item = 0 // mostly the first text, so that tenants meet on it
		if rapid.IntRange(0, 3).Draw(b.t, rel.Name+" shared text") == 3 {
			item = 1
		}
	}
	if b.shared == nil {
		b.shared, b.sharedRows = map[sharedKey]bool{}, map[string]int{}
	}
	key := sharedKey{rel, k, item}
	if keyed(rel, cols) && b.shared[key] {
		return
	}
	b.shared[key] = true
	for _, c := range cols {
		vals[c.Name] = catalog.QuoteLiteral(fitShared(sharedContent[item], c))
	}
	for _, pk := range rel.PrimaryKey {
		if v, ok := vals[pk]; ok && v != "NULL" && v != "DEFAULT" {
			b.sharedRows[rel.Name+"\x00"+v] = item
		}
	}
}

// sharedParent returns the shared text of a parent row vals references
// through a foreign key, if one is shared.
func (b *builder) sharedParent(rel *catalog.Relation, vals map[string]string) (int, bool) {
	for _, fk := range rel.ForeignKeys {
		ref := b.cat.Relation(fk.RefTable)
		if ref == nil {
			continue
		}
		for i, c := range fk.Columns {
			if i < len(fk.RefColumns) && len(ref.PrimaryKey) == 1 && fk.RefColumns[i] == ref.PrimaryKey[0] {
				if item, ok := b.sharedRows[ref.Name+"\x00"+vals[c]]; ok {
					return item, true
				}
			}
		}
	}
	return 0, false
}

// keyed reports whether a content column is part of a unique key of rel.
func keyed(rel *catalog.Relation, cols []*catalog.Column) bool {
	for _, c := range cols {
		if isUnique(rel, c.Name) {
			return true
		}
	}
	return false
}

// sharedKey is one shared text held by one tenant in one relation.
type sharedKey struct {
	rel    *catalog.Relation
	tenant int
	item   int
}

// contentColumns are the columns of rel a tenant fills with what it
// uploads: text columns outside any key other tenants' values could meet
// (a unique key without the tenant column), not foreign keys, not the
// tenant column, not identifiers (id, *_id, machine-chosen values), and
// free of value lists and patterns the shared texts would not meet.
func contentColumns(rel *catalog.Relation) []*catalog.Column {
	var out []*catalog.Column
	for i := range rel.Columns {
		c := &rel.Columns[i]
		switch c.BaseType {
		case "text", "varchar", "bpchar", "citext":
		default:
			continue
		}
		if c.Name == rel.TenantColumn || identifier(c) || c.Generated || c.Identity ||
			c.Allowed != nil || len(c.EnumLabels) > 0 || len(c.Patterns) > 0 || excludesShared(c) ||
			machineChosen(c) != "" || globallyUnique(rel, c.Name) || isFKColumn(rel, c.Name) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// excludesShared reports whether a CHECK of c refuses a shared text.
func excludesShared(c *catalog.Column) bool {
	for _, s := range sharedContent {
		if slices.Contains(c.Excluded, fitShared(s, c)) {
			return true
		}
	}
	return false
}

// globallyUnique reports whether col is in a unique key (or the primary
// key) without the tenant column: the same text in two tenants would be
// refused, which is the side-channel property's business.
func globallyUnique(rel *catalog.Relation, col string) bool {
	for _, k := range append([][]string{rel.PrimaryKey}, rel.Uniques...) {
		if len(k) == 0 {
			continue
		}
		in, scoped := false, false
		for _, c := range k {
			in = in || c == col
			scoped = scoped || (rel.TenantColumn != "" && c == rel.TenantColumn)
		}
		if in && !scoped {
			return true
		}
	}
	return false
}

// isFKColumn reports whether col is part of a foreign key of rel.
func isFKColumn(rel *catalog.Relation, col string) bool {
	for _, fk := range rel.ForeignKeys {
		for _, c := range fk.Columns {
			if c == col {
				return true
			}
		}
	}
	return false
}

// attributable reports whether the row, once its content columns hold a
// shared text, still carries a value that names tenant k: its tenant
// column, or a uuid that is k's (a parent's key) or new (generated for
// this row, so attributed to k when the row joins the world).
func (b *builder) attributable(rel *catalog.Relation, k int, vals map[string]string, content []*catalog.Column) bool {
	if rel.TenantColumn != "" && vals[rel.TenantColumn] == catalog.QuoteLiteral(b.w.Tenants[k].ID) {
		return true
	}
	skip := map[string]bool{}
	for _, c := range content {
		skip[c.Name] = true
	}
	for name, v := range vals {
		if skip[name] {
			continue
		}
		for _, u := range uuidRE.FindAllString(v, -1) {
			if o, known := b.w.owner[strings.ToLower(u)]; !known || o == k {
				return true
			}
		}
	}
	return false
}

// fitShared shapes a shared text to the column: ASCII already, cut to the
// declared length, padded to the minimum one.
func fitShared(s string, c *catalog.Column) string {
	if c.MaxLen > 0 && utf8.RuneCountInString(s) > c.MaxLen {
		s = string([]rune(s)[:c.MaxLen])
	}
	for utf8.RuneCountInString(s) < c.MinLen {
		s += "x"
	}
	return s
}
