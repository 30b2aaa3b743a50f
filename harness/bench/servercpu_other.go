//go:build !linux

package bench

import "time"

// serverCPU is not measured outside Linux.
func serverCPU(int) (time.Duration, int) { return 0, 0 }

// postmasterOf is not known outside Linux.
func postmasterOf(int) int { return 0 }
