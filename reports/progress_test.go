package reports

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProgressLive: on a terminal each subject gets a line redrawn in
// place and left with its result mark.
func TestProgressLive(t *testing.T) {
	var out syncBuffer
	var results []*harness.Result
	p := &Progress{W: &out, Live: true, Budget: 30, Results: func() []*harness.Result { return results }}
	p.Start()
	for i := 1; i <= 30; i++ {
		p.Hook("read-isolation", "documents", i)
	}
	results = append(results, &harness.Result{Property: "read-isolation", Relation: "documents", Findings: []*harness.Finding{{}}})
	p.Hook("fail-closed", "users", 1)
	p.Stop()
	s := out.String()
	for _, want := range []string{"\r\033[K", "✗ read-isolation documents", "30/30 checks", "✓ fail-closed users", "1/30 checks", "1 findings"} {
		if !strings.Contains(s, want) {
			t.Errorf("live progress lacks %q:\n%q", want, s)
		}
	}
	if n := strings.Count(s, "\n"); n != 2 {
		t.Errorf("%d finished lines, want 2:\n%q", n, s)
	}
}

// TestProgressPlain: off a terminal, plain lines at the interval and no
// control characters.
func TestProgressPlain(t *testing.T) {
	var out syncBuffer
	p := &Progress{W: &out, Every: 20 * time.Millisecond, Budget: 50}
	p.Start()
	p.Hook("write-isolation", "users", 7)
	time.Sleep(70 * time.Millisecond)
	p.Stop()
	s := out.String()
	if !strings.Contains(s, "progress ") || !strings.Contains(s, "write-isolation users 7/50 checks") || strings.ContainsAny(s, "\r\033") {
		t.Errorf("plain progress:\n%q", s)
	}
}

// TestProgressConcurrent: subjects that run at once (a parallel gate) each
// keep their own count and leave their own result line when finished.
func TestProgressConcurrent(t *testing.T) {
	var out syncBuffer
	var results []*harness.Result
	p := &Progress{W: &out, Live: true, Budget: 10, Concurrent: true, Results: func() []*harness.Result { return results }}
	p.Start()
	for i := 1; i <= 10; i++ {
		p.Hook("read-isolation", "documents", i)
		if i == 5 {
			time.Sleep(110 * time.Millisecond) // the next hook redraws
		}
		p.Hook("fail-closed", "users", i/2)
	}
	results = append(results, &harness.Result{Property: "read-isolation", Relation: "documents", Findings: []*harness.Finding{{}}})
	p.Hook("read-isolation", "documents", -1)
	p.Hook("fail-closed", "users", -1)
	p.Hook("write-isolation", "users", -1) // finished without a check: no line
	p.Stop()
	s := out.String()
	for _, want := range []string{"+1 running", "✗ read-isolation documents", "10/10 checks", "✓ fail-closed users", "5/10 checks"} {
		if !strings.Contains(s, want) {
			t.Errorf("concurrent progress lacks %q:\n%q", want, s)
		}
	}
	if n := strings.Count(s, "\n"); n != 2 {
		t.Errorf("%d finished lines, want 2:\n%q", n, s)
	}
}
