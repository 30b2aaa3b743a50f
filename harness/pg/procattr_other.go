//go:build unix && !linux

package pg

import "syscall"

// sysProcAttr returns the process attributes for initdb and postgres: their
// own process group and r's identity. Outside Linux there is no parent-death
// signal, so deathSig is unused and a killed run leaves its server to the
// stale sweep of the next StartEmbedded.
func sysProcAttr(r *runAs, deathSig syscall.Signal) *syscall.SysProcAttr {
	_ = deathSig
	a := &syscall.SysProcAttr{Setpgid: true}
	if r != nil {
		a.Credential = &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}
	}
	return a
}
