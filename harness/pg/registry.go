package pg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// errShuttingDown is returned by providers once a signal has started the
// final cleanup.
var errShuttingDown = errors.New("the process is shutting down after a signal")

// registry records every Database not yet closed, so CleanupAll can close
// them whatever path the program takes to its end.
var registry struct {
	sync.Mutex
	live         map[*Database]struct{}
	shuttingDown bool
}

// register records d as live. It reports false, recording nothing, once a
// signal has started the final cleanup; the caller must then close d itself.
func register(d *Database) bool {
	registry.Lock()
	defer registry.Unlock()
	if registry.shuttingDown {
		return false
	}
	if registry.live == nil {
		registry.live = make(map[*Database]struct{})
	}
	registry.live[d] = struct{}{}
	return true
}

// unregister forgets d.
func unregister(d *Database) {
	registry.Lock()
	defer registry.Unlock()
	delete(registry.live, d)
}

// liveDatabases returns the databases not yet closed.
func liveDatabases() []*Database {
	registry.Lock()
	defer registry.Unlock()
	ds := make([]*Database, 0, len(registry.live))
	for d := range registry.live {
		ds = append(ds, d)
	}
	return ds
}

// CleanupAll closes every Database that StartEmbedded or OpenDSN returned
// and that has not been closed yet, concurrently, and waits for them. Errors
// go to standard error, since there is usually nobody left to return them
// to. Call it from a defer at the top of main and in TestMain:
//
//	defer pg.CleanupAll()
//
// Deferred calls also run while a panic unwinds the goroutine that deferred
// them; a panic in another goroutine kills the process without running
// them, and then the parent-death signal and the stale sweep of the next
// StartEmbedded are the safety net. Databases can still be opened afterwards.
func CleanupAll() {
	var wg sync.WaitGroup
	for _, d := range liveDatabases() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Close(context.Background()); err != nil {
				fmt.Fprintf(os.Stderr, "pg: clean up database %s: %v\n", d.Name, err)
			}
		}()
	}
	wg.Wait()
}

// beginShutdown makes later registrations fail; the signal handler calls it
// before its CleanupAll so nothing started meanwhile is left behind.
func beginShutdown() {
	registry.Lock()
	defer registry.Unlock()
	registry.shuttingDown = true
}
