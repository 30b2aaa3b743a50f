package harness

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// CommitWorld inserts w as the admin role and commits it: a persistent
// world that ReadCheck then reads without inserting it again, for scale
// runs and benchmarks. Rows the schema refuses are an error (the world
// would no longer be the ground truth). The rows stay until the caller
// removes them.
func (tg *Target) CommitWorld(ctx context.Context, w *generators.World) error {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	dropped, err := loadWorld(ctx, tx, w)
	if err != nil {
		return err
	}
	if dropped > 0 {
		return fmt.Errorf("commit world: the schema refused %d of %d generated rows: the world would not be the ground truth", dropped, len(w.Rows))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit world: %w", err)
	}
	return nil
}

// ReadCheck is one read-isolation check against a world committed with
// CommitWorld: in a transaction that is rolled back, the viewer's context,
// then every statement as the admin role, restricted to the viewer's rows,
// and as the application role, with the ownership and differential
// oracles of ReadIsolation. It returns the first finding and the counts.
// ReadCheck is safe for concurrent use.
func (tg *Target) ReadCheck(ctx context.Context, w *generators.World, viewer int, stmts []generators.Statement) (*Finding, Stats, error) {
	var st Stats
	relation := ""
	if len(stmts) > 0 && len(stmts[0].Relations) > 0 {
		relation = stmts[0].Relations[0]
	}
	f, err := tg.run(ctx, probe{world: w, viewer: viewer, states: []contextState{ctxTenant}, stmts: stmts, persistent: true,
		property: ReadIsolation.Name, relation: relation, kind: KindCrossTenantRead}, &st)
	return f, st, err
}
