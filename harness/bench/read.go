package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// ReadResult is row 1: read checks on a persistent world, the harness
// against pgbench replaying the same queries.
type ReadResult struct {
	Clients int `json:"clients"`
	// Checks is the number of checks in the stream (each: the viewer's
	// context and 1-4 statements, each run as the admin, restricted and as
	// the tenant); Skipped were drawn but left out because some query
	// failed (pgbench stops a client at the first error).
	Checks     int `json:"checks_per_stream"`
	Statements int `json:"statements_per_stream"`
	Queries    int `json:"queries_per_stream"`
	Skipped    int `json:"skipped_checks"`
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
	// microseconds, over the rounds: the harness process (drawing, driver,
	// oracles) and the pgbench process (both protocols).
	HarnessCPU float64 `json:"harness_cpu_us_per_check"`
	PgbenchCPU float64 `json:"pgbench_cpu_us_per_check"`
	// HarnessServerCPU and PgbenchServerCPU are the server's CPU time per
	// check (all its processes, from /proc) while each side ran: what the
	// two clients cost the database for the same checks.
	HarnessServerCPU float64 `json:"harness_server_cpu_us_per_check"`
	PgbenchServerCPU float64 `json:"pgbench_server_cpu_us_per_check"`
	// Scripts are the pgbench scripts, by protocol.
	Scripts map[string]string `json:"scripts"`
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
// writes them as a pgbench script; then, round by round and alternating
// which goes first, the harness runs the stream (drawing, querying,
// checking) on Clients connections and pgbench replays the script with as
// many clients.
func readThroughput(ctx context.Context, e *env, o Options, dir string) (*ReadResult, error) {
	if err := e.clear(ctx); err != nil {
		return nil, err
	}
	defer e.clear(context.WithoutCancel(ctx))
	tg := e.tg
	w := generators.WorldGen(tg.Catalog, generators.WorldOptions{MinTenants: 6, MaxTenants: 6, MaxRows: 3}).Example(int(o.Seed))
	if err := tg.CommitWorld(ctx, w); err != nil {
		return nil, err
	}
	res := &ReadResult{Clients: o.Clients, Scripts: map[string]string{}}
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
	pgArgs := func(proto string, n int) []string {
		c := strconv.Itoa(o.Clients)
		return []string{"-n", "-M", proto, "-f", res.Scripts[proto], "-c", c, "-j", c, "-t", strconv.Itoa(n)}
	}
	// Warm up (plans, caches, connections) and size the rounds.
	pass, err := harnessPass(ctx, tg, w, seeds, o.Clients, 1)
	if err != nil {
		return nil, err
	}
	for _, proto := range []string{protoSimple, protoExtended} {
		if _, err := e.pgbench.run(ctx, pgArgs(proto, 1)...); err != nil {
			return nil, err
		}
	}
	res.Repeats = max(1, int(o.RoundTime.Seconds()/pass.Seconds()+0.5))
	pm := e.postmaster(ctx)
	var hCPU, pCPU, hServer, pServer time.Duration
	perRound := o.Clients * res.Repeats * len(seeds)
	for r := 0; r < o.Rounds; r++ {
		var h, ps, pe float64
		runH := func() error {
			cpu, server := cpuTime(), settledServerCPU(pm, -1)
			d, err := harnessPass(ctx, tg, w, seeds, o.Clients, res.Repeats)
			hCPU += cpuTime() - cpu
			hServer += settledServerCPU(pm, -1) - server
			h = float64(perRound) / d.Seconds()
			return err
		}
		runP := func(proto string, rate *float64) func() error {
			return func() error {
				server, live := serverCPU(pm)
				out, cpu, err := e.pgbench.runCPU(ctx, pgArgs(proto, res.Repeats)...)
				if err != nil {
					return err
				}
				pServer += (settledServerCPU(pm, live) - server) / 2
				pCPU += cpu / 2
				tps, err := parseTPS(out)
				*rate = tps * float64(len(seeds))
				return err
			}
		}
		// Rotate the order, so that no side always runs first.
		sides := []func() error{runH, runP(protoSimple, &ps), runP(protoExtended, &pe)}
		for i := range sides {
			if err := sides[(i+r)%len(sides)](); err != nil {
				return nil, err
			}
		}
		res.Harness = append(res.Harness, h)
		res.PgbenchSimple = append(res.PgbenchSimple, ps)
		res.PgbenchExtended = append(res.PgbenchExtended, pe)
		res.Pgbench = append(res.Pgbench, max(ps, pe))
		o.logf("bench: read checks round %d: harness %.0f/s, pgbench simple %.0f/s, extended %.0f/s", r+1, h, ps, pe)
	}
	ratios := pairedRatios(res.Harness, res.Pgbench)
	res.HarnessMedian, res.PgbenchMedian = median(res.Harness), median(res.Pgbench)
	res.Ratio, res.Spread = median(ratios), spread(ratios)
	perCheck := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(perRound*o.Rounds) }
	res.HarnessCPU, res.PgbenchCPU = perCheck(hCPU), perCheck(pCPU)
	res.HarnessServerCPU, res.PgbenchServerCPU = perCheck(hServer), perCheck(pServer)
	o.logf("bench: read checks: CPU per check: harness %.0f µs + server %.0f µs, pgbench %.0f µs + server %.0f µs",
		res.HarnessCPU, res.HarnessServerCPU, res.PgbenchCPU, res.PgbenchServerCPU)
	return res, nil
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
	defer rtg.Pool.Close()
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
