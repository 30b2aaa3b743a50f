package harness

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
)

// CommitWorld inserts w as the admin role and commits it: a persistent
// world that ReadCheck then reads without inserting it again, for scale
// runs and benchmarks. Rows the schema refuses are an error (the world
// would no longer be the ground truth). The rows stay until the caller
// runs the returned undo (see commitWorld), which it must do, also when a
// check fails, before anything else inserts a world.
func (tg *Target) CommitWorld(ctx context.Context, w *generators.World) (undo func(context.Context) error, err error) {
	undo, dropped, err := tg.commitWorld(ctx, w)
	if err != nil {
		return nil, err
	}
	if dropped > 0 {
		if uerr := undo(ctx); uerr != nil {
			return nil, uerr
		}
		return nil, fmt.Errorf("commit world: the schema refused %d of %d generated rows (%s): the world would not be the ground truth", dropped, len(w.Rows)+dropped, firstRefusal(w.Refused))
	}
	return undo, nil
}

// commitWorld inserts w as the admin role, drops the rows the schema
// refuses from it (loadWorld), commits, and returns what deletes the world
// again: every row the world's transaction created, in every table,
// support tables (auth.users behind memberships, a lookup a tenant row
// needs) and rows the schema's triggers wrote (a profile per new user)
// included, and nothing else: rows the schema's migrations seeded stay.
// The undo also rewinds the sequences the insert advanced
// (restoreSequences) and refreshes the materialized views. Run it in a
// defer: a failing check or a panic must not leave the world behind.
func (tg *Target) commitWorld(ctx context.Context, w *generators.World) (undo func(context.Context) error, dropped int, err error) {
	seqs, err := readSequences(ctx, tg.Pool)
	if err != nil {
		return nil, 0, err
	}
	// Repeatable read: the rows the transaction sees as created after its
	// start are its own (createdRows).
	tx, err := tg.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, 0, fmt.Errorf("commit world: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if dropped, err = loadWorld(ctx, tx, w); err != nil {
		return nil, dropped, err
	}
	var world []string
	for _, r := range append(tg.Catalog.SupportTables(), tg.Catalog.TenantTables()...) {
		world = append(world, r.QualifiedName())
	}
	created, err := createdRows(ctx, tx, tg.Pool, world)
	if err != nil {
		return nil, dropped, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, dropped, fmt.Errorf("commit world: %w", err)
	}
	return func(ctx context.Context) error { return tg.deleteCreated(context.WithoutCancel(ctx), created, seqs) }, dropped, nil
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
