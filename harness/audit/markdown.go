package audit

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the table of every check, for docs/audit.md: ID,
// name, severity, what it flags, LEAKS.md entries.
func WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| id | name | severity | flags | LEAKS.md |\n|---|---|---|---|---|\n")
	for _, c := range registry {
		leaks := strings.TrimPrefix(c.LeaksRef(), "LEAKS.md ")
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", c.ID, c.Name, c.Severity, strings.ReplaceAll(c.Title, "|", `\|`), leaks)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
