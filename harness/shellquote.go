package harness

import "strings"

// ShellQuote quotes s for a POSIX shell when it needs it: bare when it
// holds only characters no shell interprets, in single quotes when it has
// none, else in double quotes with \ " $ and ` escaped (readable for SQL,
// which is full of single quotes). The one shell quoting of replay lines,
// reproduction scripts and suggested commands.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+") == "" {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(s) + `"`
}
