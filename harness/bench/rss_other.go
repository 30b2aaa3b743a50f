//go:build !linux

package bench

import "time"

// peakRSS is not measured outside Linux.
func peakRSS() int64 { return 0 }

// resetPeakRSS is not possible outside Linux.
func resetPeakRSS() bool { return false }

// cpuTime is not measured outside Linux.
func cpuTime() time.Duration { return 0 }

// currentRSS is not measured outside Linux.
func currentRSS() int64 { return 0 }
