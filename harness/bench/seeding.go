package bench

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// pgbenchDB is the database pgbench -i fills, beside the target's.
const pgbenchDB = "tenantfuzz_pgbench"

// SeedingResult is rows 4 and 6: loading a large world with
// harness.BulkLoad against pgbench -i on the same server, and the peak RSS
// of this process while it loads.
type SeedingResult struct {
	Tenants   int   `json:"tenants"`
	PerTenant int   `json:"rows_per_tenant_and_table"`
	Rows      int64 `json:"rows"`
	Scale     int   `json:"pgbench_scale"`
	// PgbenchRows is what pgbench -i -s Scale creates.
	PgbenchRows int64 `json:"pgbench_rows"`
	// Harness and Pgbench are rows per second, per round.
	Harness       []float64 `json:"harness_rows_per_sec"`
	Pgbench       []float64 `json:"pgbench_rows_per_sec"`
	HarnessMedian float64   `json:"harness_rows_per_sec_median"`
	PgbenchMedian float64   `json:"pgbench_rows_per_sec_median"`
	Ratio         float64   `json:"ratio"`
	Spread        float64   `json:"ratio_spread"`
	// Memory is row 6.
	Memory Memory `json:"memory"`
}

// Memory is the resident memory of the bench process around the load.
type Memory struct {
	// PeakRSSMB is the largest getrusage ru_maxrss seen right after a load,
	// the peak having been reset before it (ResetWorked); without the reset
	// it is the process's peak so far.
	PeakRSSMB   float64 `json:"peak_rss_mb"`
	ResetWorked bool    `json:"peak_reset_before_load"`
	// BaselineMB is the resident memory (VmRSS) right before the first
	// load.
	BaselineMB float64 `json:"baseline_rss_mb"`
	// HeapMB is the Go heap in use after the last load.
	HeapMB float64 `json:"heap_in_use_mb"`
}

// seeding measures rows 4 and 6, alternating pgbench -i and BulkLoad.
func seeding(ctx context.Context, e *env, o Options) (*SeedingResult, error) {
	pb, drop, err := pgbenchDatabase(ctx, e)
	if err != nil {
		return nil, err
	}
	defer drop()
	res := &SeedingResult{Tenants: o.Tenants, PerTenant: o.PerTenant, Scale: o.Scale, PgbenchRows: initRows(o.Scale)}
	res.Memory.BaselineMB = mb(currentRSS())
	rounds := min(o.Rounds, 3)
	for r := 0; r < rounds; r++ {
		var h, p float64
		runP := func() error {
			out, perr := pb.run(ctx, "-i", "-q", "-s", strconv.Itoa(o.Scale))
			if perr != nil {
				return perr
			}
			secs, perr := parseInitDone(out)
			p = ratio(float64(res.PgbenchRows), secs)
			return perr
		}
		runH := func() error {
			// The previous round's world goes first, untimed: BulkLoad
			// would drop it too, but inside the peak-RSS window.
			if derr := e.tg.DropBulk(ctx); derr != nil {
				return derr
			}
			reset := resetPeakRSS()
			w, lerr := e.tg.BulkLoad(ctx, harness.BulkOptions{Tenants: o.Tenants, PerTenant: o.PerTenant})
			if lerr != nil {
				return lerr
			}
			res.Memory.PeakRSSMB = max(res.Memory.PeakRSSMB, mb(peakRSS()))
			res.Memory.ResetWorked = reset
			res.Rows = w.Total
			h = float64(w.Total) / w.Load.Seconds()
			o.logf("bench: bulk load %s: copy %v, indexes %v, analyze %v", w.Load.Round(time.Millisecond), w.Copy, w.Index.Round(time.Millisecond), w.Analyze.Round(time.Millisecond))
			return nil
		}
		first, second := runP, runH
		if r%2 == 1 {
			first, second = runH, runP
		}
		if err := first(); err != nil {
			return nil, err
		}
		if err := second(); err != nil {
			return nil, err
		}
		res.Harness = append(res.Harness, h)
		res.Pgbench = append(res.Pgbench, p)
		o.logf("bench: seeding round %d: harness %.0f rows/s, pgbench -i %.0f rows/s", r+1, h, p)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.Memory.HeapMB = mb(int64(ms.HeapInuse))
	ratios := pairedRatios(res.Harness, res.Pgbench)
	res.HarnessMedian, res.PgbenchMedian = median(res.Harness), median(res.Pgbench)
	res.Ratio, res.Spread = median(ratios), spread(ratios)
	return res, e.clear(ctx)
}

// pgbenchDatabase creates the database pgbench -i fills and returns pgbench
// pointed at it, and a function that drops it.
func pgbenchDatabase(ctx context.Context, e *env) (*pgbench, func(), error) {
	conn, err := pgx.Connect(ctx, e.db.AdminDSN(e.db.Name))
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	name := pgx.Identifier{pgbenchDB}.Sanitize()
	// One err: a shadowed one here swallowed DROP and CREATE failures.
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	if err == nil {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	}
	if err != nil {
		conn.Close(ctx)
		return nil, nil, fmt.Errorf("create database %s: %w", pgbenchDB, err)
	}
	drop := func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name)
		conn.Close(context.WithoutCancel(ctx))
	}
	pb, err := newPgbench(e.binDir, e.db.AdminDSN(pgbenchDB))
	if err != nil {
		drop()
		return nil, nil, err
	}
	return pb, drop, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
