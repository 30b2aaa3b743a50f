// Package pg gives tenantfuzz PostgreSQL databases to test in.
//
// There are two providers. StartEmbedded starts a private, throw-away
// PostgreSQL server from locally installed binaries (listening only on a Unix
// socket in a fresh directory) and creates the database "tenantfuzz" in it.
// OpenDSN uses an existing server that belongs to someone else: it creates a
// database tenantfuzz_<random> there and, on Close, drops that database and
// every role the run created whose name ends with the run's RoleSuffix.
//
// Every Database returned by either provider is recorded in a process-wide
// registry until it is closed. CleanupAll closes all of them; defer it in
// main and call it after m.Run in TestMain:
//
//	func main() {
//		defer pg.CleanupAll() // also runs while a panic in main unwinds
//		...
//	}
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pg.CleanupAll()
//		os.Exit(code)
//	}
//
// The first call to StartEmbedded or OpenDSN also installs a SIGINT/SIGTERM
// handler that runs CleanupAll and exits with status 130 or 143 (see
// SetSignalHandling). Embedded servers also die with their parent process
// (Linux parent-death signal), and directories left by a killed run are
// swept by the next StartEmbedded.
//
// DSNs carry secrets: log Database.Redacted (or RedactDSN), never the DSN.
//
// The package supports Unix systems only.
package pg
