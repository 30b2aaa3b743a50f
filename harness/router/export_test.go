package router

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ApplyMigrationMutant gives external tests the mutant's migration defect.
func ApplyMigrationMutant(m *Mutant, mig *Migration) {
	if m.migration != nil {
		m.migration(mig)
	}
}

// StopMidMigration stops a migration check the way rapid does, by a panic
// out of the migration's hook, while one of the migrating tenant's
// requests waits on its directory lease, and returns the sessions still in
// a transaction on any database once the check has returned (want none).
func StopMidMigration(ctx context.Context, env *Env, seed int) ([]string, error) {
	w := worldGen(env, worldOptions{maxTenants: 3, outside: len(env.Dedicated) - 1, needShared: true}).Example(seed)
	c, err := newChecker(ctx, env, w, "migration")
	if err != nil {
		return nil, err
	}
	m := -1
	for i, t := range w.tenants {
		if t.Home == SharedDB && m < 0 {
			m = i
		}
	}
	// The migration's lock on the directory entry (Migrate step 1).
	src, err := env.Shared.Target.Pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Rollback(context.WithoutCancel(ctx))
	if _, err := src.Exec(ctx, "SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE", w.tenants[m].ID); err != nil {
		return nil, err
	}
	d := &duringMigration{ctx: ctx, c: c, m: m}
	d.start(hostCall{Variant: "plain", Names: m, Host: w.tenants[m].Host, Write: true}, 1)
	if err := waitForLockWait(ctx, env); err != nil {
		return nil, err
	}
	func() {
		defer func() { _ = recover() }()
		defer d.abandon()                              // migrate's defer
		defer src.Rollback(context.WithoutCancel(ctx)) // Migrate's defer
		panic("rapid stops the check")
	}()
	if d.done != nil {
		return nil, fmt.Errorf("abandon returned before the waiting request did")
	}
	var open []string
	for _, db := range env.Databases() {
		rows, err := db.Target.Pool.Query(ctx, `SELECT pid::text || ' ' || state || ': ' || left(query, 80) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL`)
		if err != nil {
			return nil, err
		}
		s, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		for _, x := range s {
			open = append(open, db.Name+": "+x)
		}
	}
	return open, nil
}

// waitForLockWait waits until a session of the shared database waits on a
// lock (the request, on its directory lease).
func waitForLockWait(ctx context.Context, env *Env) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var n int
		if err := env.Shared.Target.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("the request never waited on its directory lease")
}
