package harness

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Clones returns n copies of t for the workers of a parallel gate, each in
// a database of its own cloned from t's (pg.Database.Clone), so no worker's
// generated worlds, sequences or large world can meet another's. The
// clones share t's catalog, roles, strategy and context diagnosis (the
// databases are file copies: same objects, same OIDs); each has its own
// pool. t's pool is closed while the databases are copied (PostgreSQL
// copies only a database nobody is connected to) and reopened after, so
// call Clones before anything else connects to t's database. Closing a
// clone's DB drops it; closing t's DB drops them all.
func (t *Target) Clones(ctx context.Context, n int) ([]*Target, error) {
	if n <= 0 {
		return nil, nil
	}
	if t.large != nil {
		return nil, fmt.Errorf("clone target: a large world is loaded")
	}
	cfg := t.Pool.Config()
	t.closeUnset()
	t.Pool.Close()
	var out []*Target
	var err error
	for i := 1; i <= n && err == nil; i++ {
		db, cerr := t.DB.Clone(ctx, fmt.Sprintf("w%d", i))
		if cerr != nil {
			err = cerr
			break
		}
		c := *t
		c.DB, c.Pool, c.large = db, nil, nil
		out = append(out, &c)
	}
	// Reopen t's pool whatever happened: t stays usable.
	pool, perr := pgxpool.NewWithConfig(ctx, cfg)
	if perr != nil && err == nil {
		err = fmt.Errorf("reconnect to target %s: %w", t.DB.Redacted(), perr)
	}
	t.Pool = pool
	for _, c := range out {
		if err != nil {
			break
		}
		ccfg := cfg.Copy()
		ccfg.ConnConfig.Database = c.DB.Name
		c.Pool, err = pgxpool.NewWithConfig(ctx, ccfg)
	}
	if err != nil {
		CloseClones(out)
		return nil, err
	}
	return out, nil
}

// CloseClones closes the clones' pools and drops their databases, in
// parallel.
func CloseClones(cs []*Target) {
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close()
			_ = c.DB.Close(context.Background())
		}()
	}
	wg.Wait()
}
