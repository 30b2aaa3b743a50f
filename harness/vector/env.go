package vector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/app"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Env is what the vector properties run against: an index reached
// through the store port (the harness's own, unscoped access), the
// repository under test (reference or a mutant) and, for the SQL
// agreement property, a PostgreSQL target.
type Env struct {
	Backend   string      // "fake" or "pinecone"
	Store     store.Store // the index, as its administrator
	Metric    string      // cosine, dotproduct or euclidean
	Dim       int
	TenantKey string          // metadata field of the tenant in the shared mode
	Target    *harness.Target // nil: vector-sql-agreement cannot run
	Mutant    *Mutant         // nil: the reference repository
	reset     func(context.Context) error
	close     func()
}

// FakeOptions configure the in-process fake index.
type FakeOptions struct {
	Dimension int    // default 8
	Metric    string // default cosine
}

// NewFakeEnv starts the fake Pinecone data plane on loopback and connects
// the real go-pinecone client to it.
func NewFakeEnv(ctx context.Context, opts FakeOptions) (*Env, error) {
	srv, err := fake.Start(ctx, fake.Options{Dimension: opts.Dimension, Metric: opts.Metric})
	if err != nil {
		return nil, err
	}
	s, err := store.NewPinecone(srv.Host(), "", store.Options{})
	if err != nil {
		srv.Close()
		return nil, err
	}
	st, err := s.Stats(ctx)
	if err != nil {
		s.Close()
		srv.Close()
		return nil, fmt.Errorf("reach the fake index: %w", err)
	}
	metric := opts.Metric
	if metric == "" {
		metric = fake.Cosine
	}
	return &Env{Backend: "fake", Store: s, Metric: metric, Dim: st.Dimension, TenantKey: "tenant_id",
		reset: func(context.Context) error { srv.Reset(); return nil },
		close: func() { s.Close(); srv.Close() }}, nil
}

// PineconeOptions configure a real Pinecone or Pinecone Local index.
type PineconeOptions struct {
	Metric    string        // the index's metric, default cosine
	Settle    time.Duration // how long a write may take to become visible, default 60s
	PollEvery time.Duration // pause between visibility checks, default 250ms
}

// ErrNoPinecone means the pinecone backend was asked for without a host or
// an API key; the CLI refuses such a run (exit 2) rather than skip the
// vector properties.
var ErrNoPinecone = errors.New("the pinecone backend needs an index host (--pinecone-host) and PINECONE_API_KEY (any value for Pinecone Local)")

// NewPineconeEnv connects to a Pinecone (or Pinecone Local) index. The
// index must be a scratch index of its own: every check starts by deleting
// every namespace in it. apiKey "" reads PINECONE_API_KEY.
func NewPineconeEnv(ctx context.Context, host, apiKey string, opts PineconeOptions) (*Env, error) {
	if apiKey == "" {
		apiKey = os.Getenv("PINECONE_API_KEY")
	}
	if host == "" || apiKey == "" {
		return nil, ErrNoPinecone
	}
	if opts.Metric == "" {
		opts.Metric = fake.Cosine
	}
	if opts.Settle <= 0 {
		opts.Settle = time.Minute
	}
	s, err := store.NewPinecone(host, apiKey, store.Options{Settle: opts.Settle, PollEvery: opts.PollEvery})
	if err != nil {
		return nil, err
	}
	st, err := s.Stats(ctx)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("reach pinecone index %s: %w (check the host and the API key)", s.Host(), err)
	}
	e := &Env{Backend: "pinecone", Store: s, Metric: opts.Metric, Dim: st.Dimension, TenantKey: "tenant_id", close: func() { s.Close() }}
	e.reset = e.deleteEverything
	return e, nil
}

// deleteEverything empties the index namespace by namespace: the default
// namespace by delete_all (it cannot be dropped), the others by dropping
// them, falling back to delete_all.
func (e *Env) deleteEverything(ctx context.Context) error {
	names, err := e.Store.Namespaces(ctx)
	if err != nil {
		return fmt.Errorf("reset index: %w", err)
	}
	for _, ns := range names {
		if ns != store.DefaultNamespace {
			if err = e.Store.DeleteNamespace(ctx, ns); err == nil || store.IsNotFound(err) {
				continue
			}
		}
		if err := e.Store.DeleteAll(ctx, ns); err != nil && !store.IsNotFound(err) {
			return fmt.Errorf("reset index: empty namespace %q: %w", ns, err)
		}
	}
	return nil
}

// Reset empties the index: every check starts from nothing.
func (e *Env) Reset(ctx context.Context) error { return e.reset(ctx) }

// Close releases the connection (and stops the fake).
func (e *Env) Close() {
	if e.close != nil {
		e.close()
	}
}

// WithMutant returns a copy of the environment whose repository carries
// the mutant's defect (nil: the reference).
func (e *Env) WithMutant(m *Mutant) *Env {
	c := *e
	c.Mutant = m
	return &c
}

// WithTarget returns a copy of the environment with a PostgreSQL target
// for the SQL agreement property.
func (e *Env) WithTarget(tg *harness.Target) *Env {
	c := *e
	c.Target = tg
	return &c
}

// Repository returns a fresh repository of the mode: the reference, or
// the mutant's variant of it.
func (e *Env) Repository(mode Mode) *app.Repository {
	r := app.New(e.Store, mode, e.TenantKey)
	if e.Mutant != nil {
		e.Mutant.apply(r)
	}
	return r
}

// StartFake starts the fake Pinecone data plane on loopback; its Host()
// (http://127.0.0.1:port) is what go-pinecone, --pinecone-host and
// store.NewPinecone take. NewFakeEnv does this and connects the client.
func StartFake(ctx context.Context, opts fake.Options) (*fake.Server, error) {
	return fake.Start(ctx, opts)
}
