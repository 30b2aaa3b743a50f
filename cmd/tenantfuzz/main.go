// Command tenantfuzz proves tenant isolation in a multi-tenant PostgreSQL
// schema: it generates tenants, worlds and statements, runs them as the
// application role and fails with a minimal reproduction when any tenant
// sees another tenant's rows.
//
//	tenantfuzz run     run the isolation gate
//	tenantfuzz replay  re-run one finding from its seed
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// Exit codes.
const (
	exitOK       = 0 // no findings
	exitFindings = 1 // findings (isolation failures)
	exitUsage    = 2 // usage or setup error
)

func main() {
	code := func() int {
		defer pg.CleanupAll()
		return run(os.Args[1:], os.Stdout, os.Stderr)
	}()
	os.Exit(code)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `tenantfuzz proves tenant isolation under PostgreSQL Row-Level Security.

Usage:
  tenantfuzz run [flags]      run the isolation gate (exit 0 clean, 1 findings, 2 error)
  tenantfuzz replay [flags]   re-run one finding: --property, --relation and --seed from its replay line
  tenantfuzz mutants [flags]  the kill matrix: every seeded defect must be found, the reference must be clean
  tenantfuzz audit [flags]    static audit of the schema's RLS configuration (exit 0 clean, 1 results at or above --fail-on, 2 error)
  tenantfuzz migrate-check    verify a tenant's shared-to-dedicated migration: --from DSN --to DSN --tenant ID (exit 0 clean, 1 findings, 2 error)
  tenantfuzz bench [flags]    benchmarks against pgbench on the same server: prints a table, writes bench.json
  tenantfuzz bench-parallel   the gate's checks/s at 1, 2 and N workers, and the CPU the harness and the server each take
  tenantfuzz report [flags]   render a run's report.json again: --from report.json --format html|md|sarif|junit
  tenantfuzz api [flags]      the API layer: api-isolation on the reference JWT service or --mutant NAME (exit 0 clean, 1 findings, 2 error or blind)
  tenantfuzz export pgtap     findings (or --regression: a clean run's suite) as pgTAP files: --from report.json --out DIR
  tenantfuzz help             this text

Run 'tenantfuzz <command> --help' for the flags of a command.
`)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !wantsHelp(args[:1]) {
		usage(stderr) // no command: what the commands are
		return exitUsage
	}
	switch args[0] {
	case "run":
		return gate(args[1:], false, stdout, stderr)
	case "replay":
		if fromReport, code, ok := replayFromReport(args[1:], stderr); ok {
			if code != exitOK {
				return code
			}
			return gate(fromReport, true, stdout, stderr)
		}
		return gate(args[1:], true, stdout, stderr)
	case "mutants":
		return mutantsCmd(args[1:], stdout, stderr)
	case "audit":
		return auditCmd(args[1:], stdout, stderr)
	case "migrate-check":
		return migrateCheckCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "bench-parallel":
		return benchParallelCmd(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "api":
		return apiCmd(args[1:], stdout, stderr)
	case "export":
		return exportCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "tenantfuzz: unknown command %q: see tenantfuzz help\n", args[0])
	return exitUsage
}
