package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// ReadResult is row 1: read checks on a persistent world, the harness
// against pgbench replaying the same queries, at several client counts.
type ReadResult struct {
	// Checks is the number of checks in the stream (each: the viewer's
	// context and 1-4 statements, each run as the admin, restricted and as
	// the tenant); Skipped were drawn but left out because some query
	// failed (pgbench stops a client at the first error).
	Checks     int `json:"checks_per_stream"`
	Statements int `json:"statements_per_stream"`
	Queries    int `json:"queries_per_stream"`
	Skipped    int `json:"skipped_checks"`
	// Points are the client counts measured.
	Points []ReadPoint `json:"points"`
	// Best is the point where the harness ran most checks per second,
	// BestPgbench the one where pgbench did (the server's own limit);
	// Ratio is the one over the other: the harness at its best against
	// pgbench at its best.
	Best        int     `json:"best_clients"`
	BestPgbench int     `json:"best_pgbench_clients"`
	Ratio       float64 `json:"ratio"`
	// Scripts are the pgbench scripts, by protocol.
	Scripts map[string]string `json:"scripts"`
}

// point returns the point measured with clients connections.
func (r *ReadResult) point(clients int) ReadPoint {
	for _, p := range r.Points {
		if p.Clients == clients {
			return p
		}
	}
	return ReadPoint{}
}

// ReadPoint is row 1 at one client count (harness goroutines, pgbench -c
// and -j alike).
type ReadPoint struct {
	Clients int `json:"clients"`
	// Repeats is how often each client runs the stream per round.
	Repeats int `json:"repeats_per_round"`
	// Harness is checks per second, per round. PgbenchSimple and
	// PgbenchExtended are pgbench's, replaying the script with -M simple
	// (compound commands) and -M extended (pipelines); Pgbench is the
	// faster of the two in each round: the reference.
	Harness         []float64 `json:"harness_checks_per_sec"`
	PgbenchSimple   []float64 `json:"pgbench_simple_checks_per_sec"`
	PgbenchExtended []float64 `json:"pgbench_extended_checks_per_sec"`
	Pgbench         []float64 `json:"pgbench_checks_per_sec"`
	// HarnessMedian, PgbenchMedian and Ratio (the median of the rounds'
	// harness/pgbench ratios) summarise the rounds.
	HarnessMedian float64 `json:"harness_checks_per_sec_median"`
	PgbenchMedian float64 `json:"pgbench_checks_per_sec_median"`
	Ratio         float64 `json:"ratio"`
	Spread        float64 `json:"ratio_spread"`
	// HarnessCPU and PgbenchCPU are the client's CPU time per check, in
	// microseconds: the harness process (drawing, driver, oracles) and the
	// pgbench process (both protocols).
	HarnessCPU float64 `json:"harness_cpu_us_per_check"`
	PgbenchCPU float64 `json:"pgbench_cpu_us_per_check"`
	// HarnessServerCPU and PgbenchServerCPU are the server's CPU time per
	// check (all its processes, from /proc) while each side ran: what the
	// two clients cost the database for the same checks.
	HarnessServerCPU float64 `json:"harness_server_cpu_us_per_check"`
	PgbenchServerCPU float64 `json:"pgbench_server_cpu_us_per_check"`
}

// check is one drawn read check.
type check struct {
	viewer int
	stmts  []generators.Statement
}

// checkGen draws read checks over a fixed world: a viewer, a readable
// relation and 1-4 SELECTs over it.
func checkGen(cat *catalog.Catalog, w *generators.World) *rapid.Generator[check] {
	readable := cat.Readable()
	return rapid.Custom(func(t *rapid.T) check {
		viewer := rapid.IntRange(0, len(w.Tenants)-1).Draw(t, "viewer")
		rel := rapid.SampledFrom(readable).Draw(t, "relation")
		stmts := rapid.SliceOfN(generators.SelectGen(cat, w, rel), 1, 4).Draw(t, "statements")
		return check{viewer, stmts}
	})
}

// readThroughput measures row 1. It commits a generated world, draws a
// stream of checks, records the queries the harness sends for them and
// writes them as pgbench scripts; then sweeps the client counts (sweep).
func readThroughput(ctx context.Context, e *env, o Options, dir string) (*ReadResult, error) {
	if err := e.clear(ctx); err != nil {
		return nil, err
	}
	defer e.clear(context.WithoutCancel(ctx))
	tg := e.tg
	w := generators.WorldGen(tg.Catalog, generators.WorldOptions{MinTenants: 6, MaxTenants: 6, MaxRows: 3}).Example(int(o.Seed))
	undo, err := tg.CommitWorld(ctx, w)
	if err != nil {
		return nil, err
	}
	defer undo(context.WithoutCancel(ctx))
	res := &ReadResult{Scripts: map[string]string{}}
	seeds, queries, err := recordStream(ctx, tg, w, o, res)
	if err != nil {
		return nil, err
	}
	for _, proto := range []string{protoSimple, protoExtended} {
		script, err := writeScript(queries, proto)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "read-checks."+proto+".pgbench")
		if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
			return nil, fmt.Errorf("write pgbench script: %w", err)
		}
		res.Scripts[proto] = path
	}
	s := &sweep{e: e, o: o, w: w, seeds: seeds, scripts: res.Scripts}
	if res.Points, err = s.run(ctx); err != nil {
		return nil, err
	}
	var bestH, bestP float64
	for _, p := range res.Points {
		if p.HarnessMedian > bestH {
			bestH, res.Best = p.HarnessMedian, p.Clients
		}
		if p.PgbenchMedian > bestP {
			bestP, res.BestPgbench = p.PgbenchMedian, p.Clients
		}
	}
	res.Ratio = ratio(bestH, bestP)
	return res, nil
}

// clientCounts are the client counts of the sweep: 1, 2, 4 ... up to max.
func clientCounts(max int) []int {
	var out []int
	for c := 1; c <= max; c *= 2 {
		out = append(out, c)
	}
	if out[len(out)-1] != max {
		out = append(out, max)
	}
	return out
}

// recordStream draws checks until it has o.StreamChecks that run without
// any query failing, recording the queries the harness sent for those. It
// returns the seeds of the kept checks and the queries.
func recordStream(ctx context.Context, tg *harness.Target, w *generators.World, o Options, res *ReadResult) ([]int, []tracedQuery, error) {
	rec := &recorder{}
	rtg, err := traced(ctx, tg, rec, 1)
	if err != nil {
		return nil, nil, err
	}
	defer rtg.Close()
	gen := checkGen(tg.Catalog, w)
	var seeds []int
	var queries []tracedQuery
	for seed := 1; len(seeds) < o.StreamChecks; seed++ {
		if seed > 20*o.StreamChecks {
			return nil, nil, fmt.Errorf("record read checks: only %d of %d drawn checks ran without errors", len(seeds), seed-1)
		}
		c := gen.Example(seed)
		rec.take()
		f, st, err := rtg.ReadCheck(ctx, w, c.viewer, c.stmts)
		qs := rec.take()
		if err != nil {
			return nil, nil, err
		}
		if f != nil {
			return nil, nil, fmt.Errorf("record read checks: finding on the reference schema: %s", f.Summary())
		}
		if failed(qs) || st.Discarded > 0 || st.Rejected > 0 {
			res.Skipped++
			continue
		}
		seeds = append(seeds, seed)
		queries = append(queries, qs...)
		res.Statements += st.Statements
	}
	res.Checks, res.Queries = len(seeds), len(queries)
	return seeds, queries, nil
}

func failed(qs []tracedQuery) bool {
	for _, q := range qs {
		if q.Err {
			return true
		}
	}
	return false
}

// harnessPass runs the stream repeats times on each of clients goroutines
// (each check drawn again from its seed, run and checked) and returns the
// wall time.
func harnessPass(ctx context.Context, tg *harness.Target, w *generators.World, seeds []int, clients, repeats int) (time.Duration, error) {
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := checkGen(tg.Catalog, w)
			for r := 0; r < repeats; r++ {
				for _, seed := range seeds {
					c := gen.Example(seed)
					f, _, err := tg.ReadCheck(ctx, w, c.viewer, c.stmts)
					if err == nil && f != nil {
						err = fmt.Errorf("read check: finding on the reference schema: %s", f.Summary())
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	close(errs)
	return d, <-errs
}
