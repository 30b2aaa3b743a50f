package harness

import (
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// owners returns the tenants a returned row can be traced to (by tenant
// id, generated key or canary in any of its values), sorted; empty when
// the row cannot be attributed.
func owners(w *generators.World, row []*string) []int {
	seen := map[int]bool{}
	for _, v := range row {
		if v == nil {
			continue
		}
		for _, t := range w.Owners(*v) {
			seen[t] = true
		}
	}
	out := make([]int, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Ints(out)
	return out
}

// foreignOwner returns a tenant among owners whose rows are not the
// viewer's own (another tenant; under membership tenancy, a tenant the
// viewer's user is not a member of), or -1. With viewer -1 (no context)
// every owner is foreign.
func foreignOwner(w *generators.World, owners []int, viewer int) int {
	for _, o := range owners {
		if !w.Member(viewer, o) {
			return o
		}
	}
	return -1
}

// ownOwner reports whether some owner's rows are the viewer's own.
func ownOwner(w *generators.World, owners []int, viewer int) bool {
	for _, o := range owners {
		if w.Member(viewer, o) {
			return true
		}
	}
	return false
}

// describeRow renders a returned row for evidence. Unless showValues is
// set, only identifiers survive: generated uuids and canary markers; every
// other value is replaced by "…".
func describeRow(cols []string, row []*string, showValues bool) string {
	var parts []string
	for i, v := range row {
		name := "?"
		if i < len(cols) {
			name = cols[i]
		}
		switch {
		case v == nil:
			parts = append(parts, name+"=NULL")
		case showValues:
			parts = append(parts, name+"="+catalog.QuoteLiteral(*v))
		default:
			parts = append(parts, name+"="+redact(*v))
		}
	}
	return strings.Join(parts, ", ")
}

// redact keeps the identifiers in a value and hides the rest.
func redact(v string) string {
	ids := identRE.FindAllString(v, -1)
	if len(ids) == 0 {
		return "…"
	}
	if len(ids) == 1 && ids[0] == v {
		return v
	}
	return strings.Join(ids, "…") + "…"
}

var identRE = generators.IdentifierPattern
