package harness

import (
	"sort"
	"strings"
)

// rowKey renders a row for multiset comparison (NULL distinct from ”).
func rowKey(row []*string) string {
	var b strings.Builder
	for i, v := range row {
		if i > 0 {
			b.WriteByte('\x1f')
		}
		if v == nil {
			b.WriteString("\x00NULL")
		} else {
			b.WriteString(*v)
		}
	}
	return b.String()
}

// diffRows returns the rows of got missing from want (extra) and the rows
// of want missing from got (missing), as multisets, each in row order
// (sortRows): the same whatever order the server returned them in.
func diffRows(got, want [][]*string) (extra, missing [][]*string) {
	defer func() { sortRows(extra); sortRows(missing) }()
	counts := map[string]int{}
	for _, r := range want {
		counts[rowKey(r)]++
	}
	for _, r := range got {
		k := rowKey(r)
		if counts[k] > 0 {
			counts[k]--
		} else {
			extra = append(extra, r)
		}
	}
	left := map[string]int{}
	for _, r := range got {
		left[rowKey(r)]++
	}
	for _, r := range want {
		k := rowKey(r)
		if left[k] > 0 {
			left[k]--
		} else {
			missing = append(missing, r)
		}
	}
	return extra, missing
}

// sameRows reports whether two results are equal as multisets.
func sameRows(a, b [][]*string) bool {
	if len(a) != len(b) {
		return false
	}
	ka := make([]string, len(a))
	kb := make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = rowKey(a[i]), rowKey(b[i])
	}
	sort.Strings(ka)
	sort.Strings(kb)
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// sortRows orders rows by their multiset key, so that evidence drawn from
// a result does not depend on the order the server returned it in.
func sortRows(rows [][]*string) {
	sort.SliceStable(rows, func(i, j int) bool { return rowKey(rows[i]) < rowKey(rows[j]) })
}
