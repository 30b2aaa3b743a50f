package pg

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signals is the state of the SIGINT/SIGTERM handler.
var signals struct {
	sync.Mutex
	disabled bool           // SetSignalHandling(false) was called
	wanted   bool           // a provider has run, so a handler is wanted
	ch       chan os.Signal // non-nil while a handler is installed
	stop     chan struct{}  // closing it ends the handler goroutine
}

// SetSignalHandling turns the package's SIGINT/SIGTERM handler on (the
// default) or off. The handler, installed by the first StartEmbedded or
// OpenDSN, runs CleanupAll and then exits the process with status 130
// (SIGINT) or 143 (SIGTERM); a second signal during the cleanup exits at
// once. Turn it off when the program handles those signals itself; it must
// then call CleanupAll on its way out.
func SetSignalHandling(on bool) {
	signals.Lock()
	defer signals.Unlock()
	signals.disabled = !on
	if !on && signals.ch != nil {
		signal.Stop(signals.ch)
		close(signals.stop)
		signals.ch, signals.stop = nil, nil
	}
	if on && signals.wanted {
		installLocked()
	}
}

// installSignalHandler installs the handler unless it is installed or
// turned off.
func installSignalHandler() {
	signals.Lock()
	defer signals.Unlock()
	signals.wanted = true
	if !signals.disabled {
		installLocked()
	}
}

// installLocked installs the handler; signals must be locked.
func installLocked() {
	if signals.ch != nil {
		return
	}
	signals.ch = make(chan os.Signal, 2)
	signals.stop = make(chan struct{})
	signal.Notify(signals.ch, syscall.SIGINT, syscall.SIGTERM)
	go handleSignals(signals.ch, signals.stop)
}

// handleSignals waits for a signal on ch, cleans up and exits, or returns
// when stop is closed.
func handleSignals(ch chan os.Signal, stop chan struct{}) {
	var sig os.Signal
	select {
	case sig = <-ch:
	case <-stop:
		return
	}
	code := 1
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	fmt.Fprintf(os.Stderr, "pg: caught %v: stopping PostgreSQL servers and dropping run databases (signal again to skip)\n", sig)
	beginShutdown()
	done := make(chan struct{})
	go func() {
		CleanupAll()
		close(done)
	}()
	select {
	case <-done:
	case <-ch:
	}
	os.Exit(code)
}
