package bench

import (
	"context"
	"os"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// StartupResult is row 3: how long an embedded server takes to be ready
// (server up, database created, connectable), from the cached template
// and from scratch (a fresh cache: initdb, caching the template, copy,
// start).
type StartupResult struct {
	TemplateMs []float64 `json:"template_ms"`
	ScratchMs  []float64 `json:"scratch_ms"`
	// TemplateMedian and ScratchMedian are the medians; Ratio is
	// scratch/template; OneOffMs (scratch - template) is what the first run
	// on a machine pays once for the template.
	TemplateMedian float64 `json:"template_ms_median"`
	ScratchMedian  float64 `json:"scratch_ms_median"`
	Ratio          float64 `json:"ratio"`
	OneOffMs       float64 `json:"one_off_template_ms"`
}

// startup measures row 3, alternating starts from the template and from
// an empty cache directory.
func startup(ctx context.Context, o Options) (*StartupResult, error) {
	// Make sure the shared template exists before timing its reuse.
	if _, err := startOnce(ctx, o.BinDir, ""); err != nil {
		return nil, err
	}
	res := &StartupResult{}
	for r := 0; r < o.StartRounds; r++ {
		t, err := startOnce(ctx, o.BinDir, "")
		if err != nil {
			return nil, err
		}
		cache, err := os.MkdirTemp("", "tenantfuzz-bench-cache-")
		if err != nil {
			return nil, err
		}
		s, err := startOnce(ctx, o.BinDir, cache)
		os.RemoveAll(cache)
		if err != nil {
			return nil, err
		}
		res.TemplateMs = append(res.TemplateMs, ms(t))
		res.ScratchMs = append(res.ScratchMs, ms(s))
		o.logf("bench: start-up round %d: template %.0f ms, scratch %.0f ms", r+1, ms(t), ms(s))
	}
	res.TemplateMedian, res.ScratchMedian = median(res.TemplateMs), median(res.ScratchMs)
	res.Ratio = ratio(res.ScratchMedian, res.TemplateMedian)
	res.OneOffMs = res.ScratchMedian - res.TemplateMedian
	return res, nil
}

// startOnce starts an embedded server (with the given cache directory, ""
// for the default) and stops it, returning the time to ready.
func startOnce(ctx context.Context, binDir, cache string) (time.Duration, error) {
	start := time.Now()
	db, err := pg.StartEmbedded(ctx, pg.EmbeddedOptions{BinDir: binDir, CacheDir: cache})
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	return d, db.Close(context.WithoutCancel(ctx))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
