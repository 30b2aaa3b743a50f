package harness

// SetExecuteRole lets tests stand in for the plan-cache server bug.
func SetExecuteRole(f func(tg *Target) string) { executeRole = f }

// SetUnsetUsed lets tests see which backend each unset state ran on.
func SetUnsetUsed(f func(pid uint32, unset bool)) { unsetUsed = f }
