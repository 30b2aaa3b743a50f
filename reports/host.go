package reports

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// hostInfo describes this machine: OS, architecture, CPUs, and on Linux
// the CPU model and memory. It never includes the host or user name.
func hostInfo() *Host {
	h := &Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
	h.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.Atoi(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB")); err == nil {
		h.MemoryMB = kb / 1024
	}
	return h
}

// procField returns the first "key: value" value of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
