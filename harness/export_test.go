package harness

// SetExecuteRole lets tests stand in for the plan-cache server bug.
func SetExecuteRole(f func(tg *Target) string) { executeRole = f }
