package harness

import (
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// recorder is the rapid.TB the harness hands to rapid.Check: it keeps what
// rapid reports instead of failing a Go test, so the same property runs in
// go test, a Ginkgo spec and the CLI.
type recorder struct {
	mu     sync.Mutex
	name   string
	logs   []string
	failed bool
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recorder) Log(args ...any)                   { r.Logf("%s", fmt.Sprint(args...)) }
func (r *recorder) Skipf(format string, args ...any)  { r.Logf(format, args...); runtime.Goexit() }
func (r *recorder) Skip(args ...any)                  { r.Log(args...); runtime.Goexit() }
func (r *recorder) SkipNow()                          { runtime.Goexit() }
func (r *recorder) Errorf(format string, args ...any) { r.Logf(format, args...); r.Fail() }
func (r *recorder) Error(args ...any)                 { r.Log(args...); r.Fail() }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recorder) FailNow()                          { r.Fail(); runtime.Goexit() }
func (r *recorder) Fail()                             { r.mu.Lock(); r.failed = true; r.mu.Unlock() }
func (r *recorder) Failed() bool                      { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recorder) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// rapid reads its settings from global flags (rapid.checks, rapid.seed,
// rapid.shrinktime), so runs share them with care, as narrowly as that
// allows: checks and seed are read once when rapid.Check starts, before it
// first calls the property, so startMu is held only from setting them to
// that first call; the shrink time is read when a failure starts
// shrinking, any time later, so runs with different shrink times never
// overlap (runs of one gate all use the profile's: they run together).
var (
	startMu sync.Mutex // held from setting checks and seed until rapid has read them
	running struct {
		sync.Mutex
		cond   *sync.Cond
		n      int           // rapid runs in progress
		shrink time.Duration // their shrink time
	}
)

// beginRapid waits until no run with another shrink time is in progress,
// sets the shrink time if no run is, and counts this run.
func beginRapid(shrink time.Duration) {
	running.Lock()
	defer running.Unlock()
	if running.cond == nil {
		running.cond = sync.NewCond(&running.Mutex)
	}
	for running.n > 0 && running.shrink != shrink {
		running.cond.Wait()
	}
	if running.n == 0 {
		setRapidFlag("rapid.shrinktime", shrink.String())
		setRapidFlag("rapid.nofailfile", "true")
		running.shrink = shrink
	}
	running.n++
}

func endRapid() {
	running.Lock()
	defer running.Unlock()
	running.n--
	if running.n == 0 {
		running.cond.Broadcast()
	}
}

func setRapidFlag(k, v string) {
	if err := flag.Set(k, v); err != nil {
		panic("set rapid flag: " + err.Error()) // rapid renamed its flags: a build problem
	}
}

var seedRE = regexp.MustCompile(`-rapid\.seed=(\d+)`)

// runRapid runs prop for the given number of checks from seed and reports
// whether it failed, the seed of the failing check (which replays it with
// one check), and rapid's log. Runs may be concurrent (one per worker of a
// parallel gate); each is what it would be alone.
func runRapid(name string, seed uint64, checks int, shrink time.Duration, prop func(*rapid.T)) (failed bool, failSeed uint64, log string) {
	initTesting()
	beginRapid(shrink)
	defer endRapid()
	startMu.Lock()
	var started sync.Once
	release := func() { started.Do(startMu.Unlock) }
	setRapidFlag("rapid.checks", strconv.Itoa(checks))
	setRapidFlag("rapid.seed", strconv.FormatUint(seed, 10))
	rec := &recorder{name: name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer release() // no check ran (checks 0)
		rapid.Check(rec, func(t *rapid.T) {
			release() // rapid has read checks and seed
			prop(t)
		})
	}()
	<-done
	out := rec.output()
	if m := seedRE.FindStringSubmatch(out); m != nil {
		failSeed, _ = strconv.ParseUint(m[1], 10, 64)
	}
	return rec.Failed(), failSeed, out
}

var initOnce sync.Once

// initTesting lets rapid run outside go test: it reads testing.Short, which
// needs the testing flags registered and parsed.
func initTesting() {
	initOnce.Do(func() {
		if flag.Lookup("test.short") == nil {
			testing.Init()
		}
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
	})
}

// Example draws gen's i-th example (rapid's Generator.Example) while no
// run is setting rapid's flags: Example reads the seed flag, which
// runRapid sets for each run, so a test drawing examples beside running
// properties would race with them.
func Example[V any](gen *rapid.Generator[V], i int) V {
	startMu.Lock()
	defer startMu.Unlock()
	return gen.Example(i)
}
