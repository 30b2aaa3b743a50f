package reports

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// curlScript reports whether a finding of this kind reproduces with a curl
// command against an HTTP service (the API layer's kinds, api-*) rather
// than with a psql script against a database.
func curlScript(k harness.Kind) bool { return strings.HasPrefix(string(k), "api-") }

// scriptName is the file name of finding i's script (0-based i):
// repro-N.sql, or repro-N.sh for an API finding (a curl command).
func scriptName(i int, k harness.Kind) string {
	if curlScript(k) {
		return fmt.Sprintf("repro-%d.sh", i+1)
	}
	return fmt.Sprintf("repro-%d.sql", i+1)
}

// ScriptTool names what the finding's script is for: "psql script" or
// "curl script".
func (f *Finding) ScriptTool() string {
	if curlScript(f.Kind) {
		return "curl script"
	}
	return "psql script"
}

// ScriptRun is how the finding's script is run. A curl script names the
// run's ephemeral loopback address and a $TOKEN the run minted: it
// documents the request; the replay line is what reproduces it.
func (f *Finding) ScriptRun() string {
	if curlScript(f.Kind) {
		return "TOKEN=<a token as its comment says> sh " + f.ScriptFile + " against the service; the replay line reproduces it"
	}
	return "psql -v ON_ERROR_STOP=1 -f " + f.ScriptFile + " <database>"
}
