// Package conformance checks that a vector store behaves as Pinecone
// documents: the filter language, the three metrics and their score order,
// namespace scoping, pagination and the limits. It is written from
// Pinecone's documentation, runs against the in-process fake in make test,
// and runs unchanged against a real Pinecone or Pinecone Local index (see
// conformance_test.go for the flags), so the fake is held to the real
// thing rather than to itself.
//
// Like testing/fstest.TestFS, Check returns one error listing every
// misbehaviour, one per line: "case: what = got, want ...".
package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Options describe the index under test.
type Options struct {
	Metric    string // the index's metric: cosine (default), dotproduct or euclidean
	Dimension int    // 0 reads it from the index stats
	// Prefix starts every namespace the suite creates (default "tfconf-");
	// the suite deletes them when done. Elsewhere it writes one record,
	// with an id that starts with Prefix, into the default namespace, and
	// deletes it.
	Prefix string
	// Eventually bounds how long reads may lag behind writes (Pinecone is
	// eventually consistent); 0 expects a consistent store.
	Eventually time.Duration
}

// Case is one documented behaviour.
type Case struct {
	Name   string
	Covers []string // what it covers: "filter:$eq", "metric:cosine", "limit:top_k", ...
	Doc    string   // the behaviour, and whether Pinecone documents it or it was observed
	run    func(c *checker)
}

// Check runs every case against s and returns nil or the joined failures.
func Check(ctx context.Context, s store.Store, opts Options) error {
	if opts.Metric == "" {
		opts.Metric = "cosine"
	}
	if opts.Prefix == "" {
		opts.Prefix = "tfconf-"
	}
	if opts.Dimension == 0 {
		st, err := s.Stats(ctx)
		if err != nil {
			return fmt.Errorf("read index dimension: %w", err)
		}
		if opts.Dimension = st.Dimension; opts.Dimension < 2 {
			return fmt.Errorf("index dimension %d: the suite needs at least 2", st.Dimension)
		}
	}
	var errs []error
	for _, cs := range Cases {
		c := &checker{ctx: ctx, s: s, opts: opts, name: cs.Name}
		cs.run(c)
		c.cleanup()
		errs = append(errs, c.errs...)
	}
	return errors.Join(errs...)
}

// checker carries one case's state: its namespaces and its failures.
type checker struct {
	ctx  context.Context
	s    store.Store
	opts Options
	name string
	used []string
	errs []error
}

func (c *checker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", c.name, fmt.Sprintf(format, args...)))
}

// ns returns a namespace private to this case.
func (c *checker) ns(suffix string) string {
	n := c.opts.Prefix + c.name + "-" + suffix
	c.used = append(c.used, n)
	return n
}

func (c *checker) cleanup() {
	for _, n := range c.used {
		if err := c.s.DeleteNamespace(c.ctx, n); err != nil && !store.IsNotFound(err) {
			c.errorf("clean up namespace %s: %v", n, err)
		}
	}
}

// vec returns a vector of the index dimension starting with xs, padded
// with zeros.
func (c *checker) vec(xs ...float32) []float32 {
	v := make([]float32, c.opts.Dimension)
	copy(v, xs)
	return v
}

// must fails the case on an unexpected error and reports whether it held.
func (c *checker) must(what string, err error) bool {
	if err != nil {
		c.errorf("%s: unexpected error: %v", what, err)
		return false
	}
	return true
}

// eventually retries a read assertion until it holds or the bound passes;
// it records the last failure.
func (c *checker) eventually(what string, f func() error) {
	deadline := time.Now().Add(c.opts.Eventually)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.errorf("%s: %v", what, err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// invalid expects a request the store must refuse with INVALID_ARGUMENT.
func (c *checker) invalid(what string, err error) {
	switch {
	case err == nil:
		c.errorf("%s: accepted, want INVALID_ARGUMENT", what)
	case !store.IsInvalid(err):
		c.errorf("%s: error %v, want INVALID_ARGUMENT", what, err)
	}
}

// upsert writes records and fails the case on error.
func (c *checker) upsert(ns string, recs ...store.Record) bool {
	_, err := c.s.Upsert(c.ctx, ns, recs)
	return c.must("upsert into "+ns, err)
}

// ids returns the sorted ids of query matches, comma-joined.
func matchIDs(ms []store.Match) string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return strings.Join(ids, ",")
}
