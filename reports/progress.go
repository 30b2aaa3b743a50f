package reports

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Progress shows a run while its specs run. On a terminal (Live) it keeps
// one line per property and subject, redrawn in place while it runs and
// left with its result when the next starts: checks done of the budget,
// checks per second, findings so far, elapsed time. Off a terminal it
// prints one plain log line every Every. Hook is the harness's
// RunOptions.Progress; Start and Stop bracket the specs.
//
// With Concurrent (a parallel gate) several subjects run at once: each
// stays open until Hook reports it finished (checks -1); the live line
// shows the one updated last and how many others run, and each subject's
// result line is left when it finishes.
type Progress struct {
	W      io.Writer
	Live   bool
	Every  time.Duration // off a terminal; default 5s
	Budget int           // checks per property and subject
	// Budgets overrides Budget for some properties (the large world's).
	Budgets map[string]int
	// Results returns the results recorded so far (findings so far, and
	// each finished subject's verdict).
	Results func() []*harness.Result
	// Concurrent: subjects overlap and finish only when Hook says so.
	Concurrent bool

	mu       sync.Mutex
	open     map[string]*openSubject // Concurrent: the subjects running
	start    time.Time
	cur      string // "property subject" now running
	curStart time.Time
	checks   int // of cur
	budget   int // of cur
	done     int // checks of finished subjects
	subjects int // finished subjects
	drawn    time.Time
	stop     chan struct{}
	stopped  chan struct{}
}

// Start begins the clock and, off a terminal, the periodic log line.
func (p *Progress) Start() {
	p.mu.Lock()
	p.start = time.Now()
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	p.mu.Unlock()
	every := p.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	if p.Live {
		every = 500 * time.Millisecond // keep the elapsed time moving during slow checks
	}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				if p.Live {
					p.draw(false)
				} else {
					p.logLine()
				}
				p.mu.Unlock()
			}
		}
	}()
}

// openSubject is a running subject of a concurrent display.
type openSubject struct {
	start          time.Time
	checks, budget int
}

// Hook records that property has done checks on subject; checks -1 says
// the subject finished.
func (p *Progress) Hook(property, subject string, checks int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := property + " " + subject
	if p.Concurrent {
		p.hookConcurrent(property, key, checks)
		return
	}
	if checks < 0 {
		if key == p.cur {
			p.finish()
		}
		return
	}
	if key != p.cur {
		p.finish()
		p.cur, p.curStart, p.checks = key, time.Now(), 0
		p.budget = p.Budget
		if b, ok := p.Budgets[property]; ok {
			p.budget = b
		}
	}
	p.checks = checks
	if p.Live && time.Since(p.drawn) >= 100*time.Millisecond {
		p.draw(false)
	}
}

// hookConcurrent: the subject becomes the current line; the one shown
// before is kept open in p.open.
func (p *Progress) hookConcurrent(property, key string, checks int) {
	if p.open == nil {
		p.open = map[string]*openSubject{}
	}
	if p.cur != "" && p.cur != key {
		p.open[p.cur] = &openSubject{p.curStart, p.checks, p.budget}
	}
	if p.cur != key {
		o, ok := p.open[key]
		if !ok {
			if checks < 0 {
				return // finished without a counted check
			}
			o = &openSubject{start: time.Now(), budget: p.Budget}
			if b, ok := p.Budgets[property]; ok {
				o.budget = b
			}
		}
		delete(p.open, key)
		p.cur, p.curStart, p.checks, p.budget = key, o.start, o.checks, o.budget
	}
	if checks < 0 {
		p.finish()
		return
	}
	p.checks = checks
	if p.Live && time.Since(p.drawn) >= 100*time.Millisecond {
		p.draw(false)
	}
}

// Stop ends the display, leaving the last subject's line.
func (p *Progress) Stop() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finish()
	for key, o := range p.open {
		p.cur, p.curStart, p.checks, p.budget = key, o.start, o.checks, o.budget
		p.finish()
	}
	p.open = nil
}

// finish closes the running subject: its line is drawn a last time with
// its result.
func (p *Progress) finish() {
	if p.cur == "" {
		return
	}
	if p.Live {
		p.draw(true)
	}
	p.done += p.checks
	p.subjects++
	p.cur = ""
}

// draw redraws the live line in place; final ends it with its result.
func (p *Progress) draw(final bool) {
	if p.cur == "" {
		return
	}
	elapsed := time.Since(p.curStart)
	mark := "  "
	if final {
		mark = "✓ "
		switch p.verdictOf(p.cur) {
		case verdictLeak:
			mark = "✗ "
		case verdictError:
			mark = "! "
		}
	}
	fmt.Fprintf(p.W, "\r\033[K%s%-44s %5d/%d checks  %7.1f/s  %d findings  %6.1fs%s", mark, truncate(p.cur, 44), p.checks, p.budget,
		rate(p.checks, elapsed), p.findings(), elapsed.Seconds(), p.others(final))
	if final {
		fmt.Fprintln(p.W)
	}
	p.drawn = time.Now()
}

// others says how many more subjects run at once (Concurrent).
func (p *Progress) others(final bool) string {
	if final || len(p.open) == 0 {
		return ""
	}
	return fmt.Sprintf("  +%d running", len(p.open))
}

// logLine prints the plain progress line.
func (p *Progress) logLine() {
	elapsed := time.Since(p.start)
	total := p.done + p.checks
	for _, o := range p.open {
		total += o.checks
	}
	now := "between specs"
	if p.cur != "" {
		now = fmt.Sprintf("%s %d/%d checks", p.cur, p.checks, p.budget)
		if len(p.open) > 0 {
			now += fmt.Sprintf(" (and %d more started, running or awaiting their spec)", len(p.open))
		}
	}
	fmt.Fprintf(p.W, "progress %s: %s; %d checks in %d finished specs (%.1f/s), %d findings so far\n",
		elapsed.Round(time.Second), now, total, p.subjects, rate(total, elapsed), p.findings())
}

func (p *Progress) findings() int {
	if p.Results == nil {
		return 0
	}
	n := 0
	for _, r := range p.Results() {
		n += len(r.Findings)
	}
	return n
}

// verdictOf is the verdict of the latest result recorded for key.
func (p *Progress) verdictOf(key string) string {
	if p.Results == nil {
		return verdictPass
	}
	rs := p.Results()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Property+" "+rs[i].Relation != key {
			continue
		}
		switch {
		case len(rs[i].Findings) > 0:
			return verdictLeak
		case rs[i].Err != nil:
			return verdictError
		}
		return verdictPass
	}
	return verdictPass
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
