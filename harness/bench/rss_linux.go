package bench

import (
	"os"
	"syscall"
	"time"
)

// peakRSS returns the peak resident set size of this process in bytes
// (getrusage ru_maxrss, which Linux reports in KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// resetPeakRSS makes the kernel forget this process's peak RSS (writing 5
// to /proc/self/clear_refs, Linux 4.0+), so that the next peakRSS is the
// peak since now. It reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// cpuTime returns the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
