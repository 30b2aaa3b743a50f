package router

import (
	"context"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// duringMigration runs requests at the migration's steps: other tenants'
// at once (judged, without the placement check: the migrating tenant's
// rows are legitimately in two places until the source commits), and at
// most one of the migrating tenant's in the background, where it waits on
// its directory lease until the migration commits.
//
// The background request belongs to the check that started it: the check
// must end it with wait (its outcome is judged) or abandon (on every other
// way out: a finding, an error, a cancelled context, or rapid stopping the
// check mid-draw inside the hook), so that no request transaction or
// pooled session outlives the check and meets the next check's reload.
type duringMigration struct {
	ctx     context.Context
	c       *checker
	rt      *rapid.T
	m       int // the migrating tenant
	f       *harness.Finding
	err     error
	started bool               // a waiting request was started (one per check)
	done    chan outcome       // its outcome; nil once received
	cancel  context.CancelFunc // ends its context
	waited  *outcome
	expect  map[string]int // what the waiting request must see
}

func (d *duringMigration) step(step string) {
	if d.f != nil || d.err != nil || !rapid.Bool().Draw(d.rt, "request at "+step) {
		return
	}
	c := d.c
	call := plainCallGen(c.w, c.env.Zone).Draw(d.rt, "request at "+step)
	c.w.serial++
	if call.Names != d.m {
		want, expect := "", map[string]int{}
		if call.Names >= 0 {
			want, expect = c.home(call.Names), c.expected(call.Names)
		}
		d.f, d.err = c.judge(c.run(d.ctx, call, c.w.serial), want, expect)
		return
	}
	if d.started {
		return // one waiting request at a time
	}
	d.start(call, c.w.serial)
}

// start serves the migrating tenant's request in the background; it waits
// on the tenant's directory lease while the migration holds it.
func (d *duringMigration) start(call hostCall, serial int) {
	d.started = true
	d.expect = d.c.expected(d.m)
	d.done = make(chan outcome, 1)
	rctx, cancel := context.WithCancel(d.ctx)
	d.cancel = cancel
	go func() { d.done <- d.c.run(rctx, call, serial) }()
}

// wait returns the waiting request's outcome, if one was started, once it
// has ended (committed or rolled back, its connections released). Call it
// only after the migration has returned: until then the request may be
// waiting on the migration's lock.
func (d *duringMigration) wait() *outcome {
	if d.done != nil {
		o := <-d.done
		d.done, d.waited = nil, &o
		d.cancel()
	}
	return d.waited
}

// abandonGrace is how long abandon lets the waiting request end on its
// own before cancelling it.
var abandonGrace = 5 * time.Second

// abandon ends the waiting request, if one is still running, without
// judging it, and returns only once the request's goroutine has. Checks
// defer it, after the migration: the migration has then ended its
// transaction (committed, or rolled back by its own deferred rollback),
// so the request gets its lease and ends as any request does (commit or
// rollback, connections back to their pools). Should it not within
// abandonGrace, its context is cancelled (pgx then closes its
// connections). Safe after wait, and more than once.
func (d *duringMigration) abandon() {
	if d.done == nil {
		return
	}
	t := time.NewTimer(abandonGrace)
	defer t.Stop()
	select {
	case o := <-d.done:
		d.done, d.waited = nil, &o
	case <-t.C:
	}
	d.cancel()
	d.wait()
}
