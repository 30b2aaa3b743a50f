package router

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// MigrationIntegrity is the property: for any world with a shared tenant M and a
// free dedicated database, moving M there with the migration under test
// (the reference Migrate, or a mutant) while requests continue —
// requests of every tenant before it, at each of its steps (other
// tenants' served at once, one of M's left waiting on its directory
// lease) and after it — gives:
//   - nothing lost: every row M had is in the dedicated database,
//     unchanged (per-table counts and digests, by primary key);
//   - nothing left behind: the shared database holds none of M's rows
//     but its directory entry, now tier dedicated;
//   - no request served from the wrong database during the switch: M's
//     requests before it run on the shared database, the waiting one and
//     later ones on the dedicated one, each seeing all of M's rows; other
//     tenants' requests see theirs throughout; and the placement invariant
//     holds before and after.
//
// It is checked with CheckMigration, the check tenantfuzz migrate-check
// runs on users' migrations. Limits: at most one of M's requests waits
// during a migration, and the scheduler decides when it wakes (the
// outcome it must see does not depend on that); crashes between the
// two commits are not simulated.
var MigrationIntegrity = &Property{
	Name:    "migration",
	Title:   "a shared-to-dedicated migration loses nothing, leaves nothing and serves nobody from the wrong database",
	Labels:  []string{"routing", "level3", "migration", "soc2:CC6.1"},
	Subject: "migration",
	check: func(ctx context.Context, env *Env, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T) {
		sb := &shrinkBudget{limit: opts.ShrinkTime}
		return func(rt *rapid.T) {
			if st.Expired(opts.Deadline) || sb.spent() {
				return
			}
			w := worldGen(env, worldOptions{maxTenants: 4, outside: len(env.Dedicated) - 1, needShared: true}).Draw(rt, "world")
			c, err := newChecker(ctx, env, w, "migration")
			if err == nil {
				var f *harness.Finding
				f, err = c.migrate(ctx, rt, opts)
				st.Count(c.stats)
				if err != nil || f != nil {
					sb.failed()
					st.Fail(rt, f, err)
				}
				return
			}
			sb.failed()
			st.Fail(rt, nil, err)
		}
	},
}

// migrate runs one migration check on a loaded world.
func (c *checker) migrate(ctx context.Context, rt *rapid.T, opts harness.RunOptions) (*harness.Finding, error) {
	var shared []int
	used := map[string]bool{}
	for i, t := range c.w.tenants {
		used[t.Home] = true
		if t.Home == SharedDB {
			shared = append(shared, i)
		}
	}
	var target *Database
	for _, d := range c.env.Dedicated {
		if !used[d.Name] && target == nil {
			target = d
		}
	}
	if len(shared) == 0 || target == nil {
		return nil, fmt.Errorf("migration world has no shared tenant or no free dedicated database (a generator bug)")
	}
	m := rapid.SampledFrom(shared).Draw(rt, "migrating tenant")
	mt := c.w.tenants[m]
	c.router.Dedicated[mt.ID] = target.Name // registered before the switch, used after it

	if f, err := c.requests(ctx, rt, opts, "before"); err != nil || f != nil {
		return f, err
	}
	base, err := TakeBaseline(ctx, c.env.Shared.Target.Pool, c.w.cat, mt.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range base.Tables {
		if t.Count > 0 && t.Table != c.w.cat.TenantsTable.String() {
			c.stats.Reached++ // a lost or left row could show
			break
		}
	}
	mig := &Migration{Source: c.env.Shared.Target.Pool, Target: target.Target.Pool, Catalog: c.w.cat, Tenant: mt.ID}
	if mu := c.env.Mutant; mu != nil && mu.migration != nil {
		mu.migration(mig)
	}
	during := &duringMigration{ctx: ctx, c: c, rt: rt, m: m}
	// Every way out of the check ends the waiting request first, a panic
	// too: rapid stops a check where it stands (a draw in the hook runs out
	// of data while shrinking), and Migrate's own deferred rollback has
	// released the lease the request waits on by the time this runs.
	defer during.abandon()
	mig.Hook = during.step
	err = Migrate(ctx, mig)
	if err == nil {
		err = during.err
	}
	if err != nil || during.f != nil {
		return during.f, err
	}
	waiting := during.wait()
	c.w.tenants[m].Home, c.w.tenants[m].Tier = target.Name, TierDedicated
	if waiting != nil {
		if f, err := c.judgeRoute(*waiting, target.Name); err != nil || f != nil {
			return f, err
		}
		if waiting.refused == nil {
			c.countKind("waited")
		}
	}
	rep, err := CheckMigration(ctx, c.env.Shared.Target.Pool, target.Target.Pool, c.w.cat, mt.ID, CheckOptions{Baseline: base})
	if err != nil {
		return nil, err
	}
	if len(rep.Findings) > 0 {
		return c.migrationFinding(rep, mt, target), nil
	}
	if waiting != nil {
		if f, err := c.judgeRows(*waiting, during.expect); err != nil || f != nil {
			return f, err
		}
	}
	if f, err := c.placement(ctx); err != nil || f != nil {
		return f, err
	}
	return c.requests(ctx, rt, opts, "after")
}

// requests serves 0..Statements requests synchronously.
func (c *checker) requests(ctx context.Context, rt *rapid.T, opts harness.RunOptions, phase string) (*harness.Finding, error) {
	n := rapid.IntRange(0, opts.Statements).Draw(rt, "requests "+phase)
	for i := 0; i < n; i++ {
		if f, err := c.step(ctx, plainCallGen(c.w, c.env.Zone).Draw(rt, "request "+phase)); err != nil || f != nil {
			return f, err
		}
	}
	return nil, nil
}

// migrationFinding turns the first CheckMigration finding into the
// property's, with the world in its script.
func (c *checker) migrationFinding(rep *MigrationReport, mt tenant, target *Database) *harness.Finding {
	g := rep.Findings[0]
	var evidence []string
	scripts := ""
	for _, o := range rep.Findings {
		if o.Kind == g.Kind {
			evidence = append(evidence, o.Evidence...)
			scripts += o.Statement
		}
	}
	checks := fmt.Sprintf("-- Then move %s from %s to %s with the migration under test (its directory entry becomes tier dedicated), and count:\n%s", mt.Label, SharedDB, target.Name, scripts)
	return c.tableFinding(g.Kind, g.Relation, mt.Index, evidence, checks)
}
