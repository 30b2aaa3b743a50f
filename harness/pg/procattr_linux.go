package pg

import "syscall"

// sysProcAttr returns the process attributes for initdb and postgres: their
// own process group (so a terminal's Ctrl-C reaches only us, and we shut the
// server down in order), deathSig delivered when we die, and r's identity.
func sysProcAttr(r *runAs, deathSig syscall.Signal) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathSig}
	if r != nil {
		a.Credential = &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}
	}
	return a
}
