package router

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// duringMigration runs requests at the migration's steps: other tenants'
// at once (judged, without the placement check: the migrating tenant's
// rows are legitimately in two places until the source commits), and at
// most one of the migrating tenant's in the background, where it waits on
// its directory lease until the migration commits.
type duringMigration struct {
	ctx    context.Context
	c      *checker
	rt     *rapid.T
	m      int // the migrating tenant
	f      *harness.Finding
	err    error
	done   chan outcome
	expect map[string]int // what the waiting request must see
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
	if d.done != nil {
		return // one waiting request at a time
	}
	d.expect = c.expected(d.m)
	d.done = make(chan outcome, 1)
	serial := c.w.serial
	go func() { d.done <- c.run(d.ctx, call, serial) }()
}

// wait returns the waiting request's outcome, if one was started.
func (d *duringMigration) wait() *outcome {
	if d.done == nil {
		return nil
	}
	o := <-d.done
	return &o
}
