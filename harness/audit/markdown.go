package audit

import (
	"fmt"
	"io"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// WriteMarkdown writes the table of every check, for docs/audit.md: ID,
// name, severity, what it flags, docs/leaks.md entries.
func WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| id | name | severity | flags | docs/leaks.md entries |\n|---|---|---|---|---|\n")
	for _, c := range registry {
		leaks := harness.JoinEntries(c.Leaks)
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", c.ID, c.Name, c.Severity, strings.ReplaceAll(c.Title, "|", `\|`), leaks)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
