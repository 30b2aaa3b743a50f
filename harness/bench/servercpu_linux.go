package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// procStat reads a process's parent pid and its CPU time: its own and, with
// children set, that of its exited children it waited for.
func procStat(pid int, children bool) (ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0, 0, false
	}
	num := func(k int) int64 { n, _ := strconv.ParseInt(f[k-3], 10, 64); return n }
	ticks := num(14) + num(15) // utime, stime
	if children {
		ticks += num(16) + num(17) // cutime, cstime
	}
	return int(num(4)), time.Duration(ticks) * clockTick, true
}

// serverCPU returns the CPU time the server whose postmaster is pid has
// used: the postmaster's, its exited backends' and its live backends', and
// how many backends live.
func serverCPU(postmaster int) (time.Duration, int) {
	_, total, ok := procStat(postmaster, true)
	if !ok {
		return 0, 0
	}
	entries, _ := os.ReadDir("/proc")
	live := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		if ppid, cpu, ok := procStat(pid, false); ok && ppid == postmaster {
			total += cpu
			live++
		}
	}
	return total, live
}

// postmasterOf returns the parent of a backend: its postmaster.
func postmasterOf(backend int) int {
	ppid, _, _ := procStat(backend, false)
	return ppid
}
