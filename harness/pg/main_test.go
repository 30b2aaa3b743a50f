package pg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// childEnv, when set, makes the test binary act as a child tenantfuzz
// process for the cleanup tests; its value picks the behaviour.
const childEnv = "TENANTFUZZ_PG_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	code := m.Run()
	CleanupAll()
	if leaks := ownInstanceDirs(); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: instance directories left behind: %v\n", leaks)
		code = 1
	}
	os.Exit(code)
}

// runChild starts an embedded server, prints "READY <instance dir> <postmaster
// pid>" and then, by mode, blocks ("block") or panics with CleanupAll
// deferred ("panic"), as a main function would; "nosignal" blocks with the
// signal handler turned off. Mode "sleep" just sleeps.
func runChild(mode string) int {
	if mode == "sleep" { // a stand-in for a stale postmaster
		time.Sleep(time.Minute)
		return 0
	}
	switch mode {
	case "panic":
		defer CleanupAll()
	case "nosignal":
		SetSignalHandling(false)
	}
	d, err := StartEmbedded(context.Background(), EmbeddedOptions{
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Printf("READY %s %d\n", d.instanceDir(), d.srv.proc.pid())
	if mode == "panic" {
		panic("child panic")
	}
	time.Sleep(5 * time.Minute) // the parent signals us long before this
	return 4
}

// ownInstanceDirs lists instance directories whose owner is this process.
func ownInstanceDirs() []string {
	var own []string
	for _, base := range instanceBases() {
		matches, _ := filepath.Glob(filepath.Join(base, instancePrefix+"*"))
		for _, m := range matches {
			if readPIDFile(filepath.Join(m, ownerPIDFile)) == os.Getpid() {
				own = append(own, m)
			}
		}
	}
	return own
}
