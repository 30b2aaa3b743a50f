// Package bench measures tenantfuzz against the database's own limits, as
// ratios taken side by side in one run (the machines are noisy, so every
// comparison alternates its two sides round by round and reports medians):
//
//  1. read checks on a persistent world, against pgbench replaying the
//     very queries the harness sent, with as many clients, for 1, 2, 4 ...
//     clients: the harness at its best against pgbench at its best;
//  2. small-world checks per second per property, with the time split
//     between world setup, statements, oracle and the client;
//  3. start-up from the cached template against initdb from scratch;
//  4. bulk seeding of a large world against pgbench -i on the same server;
//  5. time to detect each seeded defect (checks and seconds, median over
//     seeds);
//  6. peak RSS while the large world loads.
//
// Nothing here asserts a speed: Run reports, the caller judges.
package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"
)

// Options size a benchmark run. The zero value is the default run.
type Options struct {
	// Items lists the rows to measure (1-6); nil means all.
	Items []int
	// Rounds is the number of interleaved rounds per comparison (default 5).
	Rounds int
	// RoundTime is roughly how long one side of a round runs (default 1s).
	RoundTime time.Duration
	// Clients is the largest client count of row 1, which measures 1, 2,
	// 4 ... Clients connections (default 4 per CPU, at most 16).
	Clients int
	// StreamChecks is the number of read checks in row 1's stream
	// (default 100).
	StreamChecks int
	// SmallChecks is the number of checks per property and round in row 2
	// (default 100).
	SmallChecks int
	// Tenants and PerTenant size row 4's large world (default 10,000
	// tenants with 33 rows in each of the reference schema's three tenant
	// tables besides tenants: 1,000,000 rows); Scale is the pgbench -i
	// scale it is compared with (default 10: 1,000,110 rows).
	Tenants, PerTenant, Scale int
	// SeedRounds is the number of seeds row 5 runs every mutant with
	// (default 3).
	SeedRounds int
	// DetectMutants limits row 5 to the first mutants of the catalogue,
	// half SQL and half vector (0: every mutant).
	DetectMutants int
	// StartRounds is the number of start-ups of each kind in row 3
	// (default 3).
	StartRounds int
	// Seed seeds every generated world and stream (default 1).
	Seed uint64
	// Dir is where scripts and bench.json go (default ".").
	Dir string
	// BinDir is the PostgreSQL bin directory (default: pg.FindBinaries).
	BinDir string
	// Logf receives progress lines.
	Logf func(format string, args ...any)
}

func (o *Options) defaults() {
	if o.Rounds <= 0 {
		o.Rounds = 5
	}
	if o.RoundTime <= 0 {
		o.RoundTime = time.Second
	}
	if o.Clients <= 0 {
		o.Clients = min(4*runtime.NumCPU(), 16)
	}
	if o.StreamChecks <= 0 {
		o.StreamChecks = 100
	}
	if o.SmallChecks <= 0 {
		o.SmallChecks = 100
	}
	if o.Tenants <= 0 {
		o.Tenants = 10000
	}
	if o.PerTenant <= 0 {
		o.PerTenant = 33
	}
	if o.Scale <= 0 {
		o.Scale = 10
	}
	if o.SeedRounds <= 0 {
		o.SeedRounds = 3
	}
	if o.StartRounds <= 0 {
		o.StartRounds = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Items == nil {
		o.Items = []int{1, 2, 3, 4, 5, 6}
	}
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

func (o *Options) want(item int) bool { return slices.Contains(o.Items, item) }

// Run measures the rows o.Items asks for and returns the report. Start-up
// runs first (it starts servers of its own), then the large world (so the
// peak RSS is the load's), then small worlds, read checks and detection.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create bench directory: %w", err)
	}
	r := newReport(o)
	if o.want(3) {
		o.logf("bench: 3. start-up")
		s, err := startup(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("bench start-up: %w", err)
		}
		r.Startup = s
	}
	if o.want(1) || o.want(2) || o.want(4) || o.want(6) {
		e, err := openEnv(ctx, o)
		if err != nil {
			return nil, err
		}
		defer e.close(ctx)
		r.Server = "PostgreSQL " + e.db.Version + " (embedded)"
		if err := runShared(ctx, e, o, r); err != nil {
			return nil, err
		}
	}
	if o.want(5) {
		o.logf("bench: 5. time to detect")
		d, err := detection(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("bench detection: %w", err)
		}
		r.Detect = d
	}
	return r, nil
}

// runShared runs the rows that share one server.
func runShared(ctx context.Context, e *env, o Options, r *Report) error {
	if o.want(4) || o.want(6) {
		o.logf("bench: 4. bulk seeding and 6. memory")
		s, err := seeding(ctx, e, o)
		if err != nil {
			return fmt.Errorf("bench seeding: %w", err)
		}
		r.Seeding = s
	}
	if o.want(2) {
		o.logf("bench: 2. small-world checks")
		s, err := smallWorlds(ctx, e, o)
		if err != nil {
			return fmt.Errorf("bench small worlds: %w", err)
		}
		r.Small = s
	}
	if o.want(1) {
		o.logf("bench: 1. read checks against pgbench")
		s, err := readThroughput(ctx, e, o, o.Dir)
		if err != nil {
			return fmt.Errorf("bench read checks: %w", err)
		}
		r.Read = s
	}
	return nil
}
