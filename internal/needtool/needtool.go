// Package needtool is how a test says that a tool it needs (PostgreSQL's
// binaries, pgbench, pgTAP and pg_prove, chromium) is missing. On a
// developer's machine the test skips with the reason. Where the tools are
// promised (.ci/run installs them and sets TENANTFUZZ_REQUIRE_TOOLS), it
// fails: a CI run never passes by skipping what it claims to test.
//
// Backends CI cannot have (a Docker engine, a Pinecone index) are not
// tools: their tests skip, and the reports say those backends are
// unverified in CI (reports.Backends).
package needtool

import (
	"os"
	"testing"
)

// Env is the variable that turns a missing tool into a failure.
const Env = "TENANTFUZZ_REQUIRE_TOOLS"

// Missing ends the test: a failure when Env is set, else a skip, with
// format and args as the reason (say how to install the tool).
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(Env) != "" {
		t.Fatalf(format+" ("+Env+" is set: the tool is required here)", args...)
	}
	t.Skipf(format, args...)
}
