package harness

import (
	"strconv"
	"strings"
)

// LeaksDoc is the repository path of the leak catalogue, the numbered list
// of how tenant isolation fails that findings, audit checks and seeded
// defects cite.
const LeaksDoc = "docs/leaks.md"

// LeaksEntries is the number of entries in docs/leaks.md; entries are
// numbered 1..LeaksEntries and never renumbered (TestLeakCitations, at
// the repository root, holds the document and every citation to it).
const LeaksEntries = 56

// LeaksRef cites entries of the leak catalogue in the one form the
// repository uses: "docs/leaks.md entry 7" for one entry, "docs/leaks.md
// entries 7, 20" for several, "docs/leaks.md" for none.
func LeaksRef(entries ...int) string {
	switch len(entries) {
	case 0:
		return LeaksDoc
	case 1:
		return LeaksDoc + " entry " + strconv.Itoa(entries[0])
	}
	return LeaksDoc + " entries " + JoinEntries(entries)
}

// JoinEntries lists entry numbers as "7, 20".
func JoinEntries(entries []int) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = strconv.Itoa(e)
	}
	return strings.Join(parts, ", ")
}
