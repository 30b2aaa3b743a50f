package scenarios

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// The parallel gate. Ginkgo still walks the spec tree in order, one spec
// at a time; with Workers set, the checks behind the specs run ahead on a
// pool of workers, one per target (Target, then each of Workers: clones of
// its database, harness.Target.Clones), and each spec waits for its own
// result and records it. Results, reports and the Ginkgo output are
// therefore in tree order, as in a serial run, and equal to it for the same
// seed: per-spec seeds derive from the run seed and the spec's name, and
// no worker's database meets another's.
//
// What must not be spread stays on worker 0 (Target): a property with a
// setup (the large world, loaded once, its subjects one after another on
// the one database that holds it), the vector and level-3 properties (one
// store, one router, Target's) and Serial ones.
//
// Limits: only the label filter of the Ginkgo configuration decides which
// specs are run ahead; a spec a focus or skip string leaves out is still
// checked, and its result dropped.

// job is the checks of one spec, or of all the specs of a property with a
// setup (run in order on worker 0).
type job struct {
	p      *properties.Property
	subjs  []properties.Subject
	pinned bool                   // worker 0 only
	done   []chan *harness.Result // one per subject
}

// pool runs the jobs of a parallel suite.
type pool struct {
	s     *Suite
	jobs  []*job
	byKey map[string]chan *harness.Result // "property\x00subject"
	start sync.Once
	wg    sync.WaitGroup // the workers
	idle  chan struct{}  // closed when every worker has stopped
	// ctx is the workers' context: cancelled when a spec is interrupted
	// (Ginkgo cancels its context on SIGINT), so running checks stop and
	// no job starts after.
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	pending int // subjects not yet finished, to share the budget
}

// parallel reports whether the suite spreads its checks over workers.
func (s *Suite) parallel() bool { return len(s.Workers) > 0 }

// plan adds a spec to the pool (during the tree's construction), unless
// the label filter leaves it out.
func (s *Suite) plan(p *properties.Property, subj properties.Subject) {
	if s.labels != nil && !s.labels(p.Labels) {
		return
	}
	if s.pool == nil {
		s.pool = &pool{s: s, byKey: map[string]chan *harness.Result{}, idle: make(chan struct{})}
		s.pool.ctx, s.pool.cancel = context.WithCancel(context.Background())
	}
	pl := s.pool
	ch := make(chan *harness.Result, 1)
	pl.byKey[p.Name+"\x00"+subj.Name] = ch
	pl.pending++
	if p.HasSetup() {
		for _, j := range pl.jobs {
			if j.p == p {
				j.subjs, j.done = append(j.subjs, subj), append(j.done, ch)
				return
			}
		}
	}
	pinned := p.SQLProperty() == nil || p.Serial || p.HasSetup()
	pl.jobs = append(pl.jobs, &job{p: p, subjs: []properties.Subject{subj}, pinned: pinned, done: []chan *harness.Result{ch}})
}

// result waits for the result of a planned spec, starting the workers on
// the first call. When the spec's context ends (an interrupt), the
// workers stop: the spec gets the result of its checks so far, or, if no
// worker had started it, an error saying so.
func (s *Suite) result(ctx context.Context, p *properties.Property, subj properties.Subject) *harness.Result {
	pl := s.pool
	ch := pl.byKey[p.Name+"\x00"+subj.Name]
	if ch == nil { // not planned: a label filter we did not read
		return nil
	}
	pl.start.Do(pl.run)
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
	}
	pl.cancel()
	select {
	case r := <-ch:
		return r
	case <-pl.idle:
		return &harness.Result{Property: p.Name, Relation: subj.Name, Verdict: harness.VerdictError,
			Err: fmt.Errorf("interrupted before a worker started it: %w", context.Cause(ctx))}
	}
}

// run starts one goroutine per worker: worker 0 takes the pinned jobs
// first, then shares the others with the rest, in tree order.
func (pl *pool) run() {
	var mu sync.Mutex
	var pinned, free []*job
	for _, j := range pl.jobs {
		if j.pinned {
			pinned = append(pinned, j)
		} else {
			free = append(free, j)
		}
	}
	next := func(worker int) *job {
		mu.Lock()
		defer mu.Unlock()
		if pl.ctx.Err() != nil {
			return nil // interrupted: start nothing more
		}
		if worker == 0 && len(pinned) > 0 {
			j := pinned[0]
			pinned = pinned[1:]
			return j
		}
		if len(free) > 0 {
			j := free[0]
			free = free[1:]
			return j
		}
		return nil
	}
	targets := append([]*harness.Target{pl.s.Target}, pl.s.Workers...)
	for w, tg := range targets {
		env := pl.s.env()
		if w > 0 {
			env.Target, env.Vector, env.Router = tg, nil, nil
		}
		pl.wg.Add(1)
		go func() {
			defer pl.wg.Done()
			for j := next(w); j != nil; j = next(w) {
				pl.runJob(env, j)
			}
		}()
	}
	go func() { pl.wg.Wait(); close(pl.idle) }()
}

// runJob runs a job's subjects on one worker's env and hands each result
// to its spec.
func (pl *pool) runJob(env *properties.Env, j *job) {
	ctx := pl.ctx
	s := pl.s
	var teardown func(context.Context) error
	var setupErr error
	if j.p.HasSetup() {
		setupErr = safely(func() error {
			var err error
			teardown, err = j.p.Prepare(ctx, env, s.Options)
			return err
		})
		if w := env.Target.LargeWorld(); w != nil {
			s.setLarge(w)
		}
	}
	for i, subj := range j.subjs {
		var res *harness.Result
		if setupErr != nil {
			res = &harness.Result{Property: j.p.Name, Relation: subj.Name, Err: setupErr, Verdict: harness.VerdictError}
		} else {
			opts := s.Options
			opts.Deadline = pl.deadline()
			if err := safely(func() error { res = j.p.Run(ctx, env, subj, opts); return nil }); err != nil {
				res = &harness.Result{Property: j.p.Name, Relation: subj.Name, Err: err, Verdict: harness.VerdictError}
			}
		}
		if i == len(j.subjs)-1 && teardown != nil {
			if err := safely(func() error { return teardown(context.WithoutCancel(ctx)) }); err != nil && res.Err == nil {
				res.Err = fmt.Errorf("tear down %s: %w", j.p.Name, err)
				res.Verdict = harness.VerdictError
			}
		}
		pl.mu.Lock()
		pl.pending--
		pl.mu.Unlock()
		j.done[i] <- res
	}
}

// safely runs f and turns a panic into an error: a worker's panic must
// neither end the process (Ginkgo recovers a spec's, not a goroutine's)
// nor leave a spec waiting for a result forever.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a worker (a harness bug): %v\n%s", r, debug.Stack())
		}
	}()
	return f()
}

// deadline gives a subject its share of the remaining budget: the workers
// run len(targets) subjects at once, so each may take that many shares.
func (pl *pool) deadline() time.Time {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	end := pl.s.Deadline
	if end.IsZero() || pl.pending <= 0 {
		return end
	}
	workers := time.Duration(1 + len(pl.s.Workers))
	d := time.Now().Add(time.Until(end) * workers / time.Duration(pl.pending))
	if d.After(end) {
		return end
	}
	return d
}

// wait waits for the workers, if they started (a spec Ginkgo did not run
// leaves its job running past the last spec).
func (s *Suite) wait() {
	if s.pool != nil {
		s.pool.start.Do(func() { close(s.pool.idle) }) // never started: nothing to wait for
		s.pool.wg.Wait()
		s.pool.cancel()
	}
}

// labelFilter reads the Ginkgo label filter the run uses (nil: none).
func labelFilter(sc types.SuiteConfig) func([]string) bool {
	if sc.LabelFilter == "" {
		return nil
	}
	f, err := types.ParseLabelFilter(sc.LabelFilter)
	if err != nil {
		return nil // Ginkgo reports it
	}
	return f
}
