package bench

import (
	"context"
	"strconv"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// sweep runs row 1's rounds: in each, for every client count (in rotating
// order), the harness and pgbench with both protocols (also rotating), so
// that every side sees the machine's load alike.
type sweep struct {
	e       *env
	o       Options
	w       *generators.World
	seeds   []int
	scripts map[string]string
}

// cpuTotals adds up a point's CPU times over its rounds.
type cpuTotals struct {
	harness, pgbench, harnessServer, pgbenchServer time.Duration
}

func (s *sweep) run(ctx context.Context) ([]ReadPoint, error) {
	counts := clientCounts(s.o.Clients)
	points := make([]ReadPoint, len(counts))
	cpu := make([]cpuTotals, len(counts))
	for i, c := range counts {
		// Warm up (plans, caches, connections) and size the rounds.
		pass, err := harnessPass(ctx, s.e.tg, s.w, s.seeds, c, 1)
		if err != nil {
			return nil, err
		}
		points[i] = ReadPoint{Clients: c, Repeats: max(1, int(s.o.RoundTime.Seconds()/pass.Seconds()+0.5))}
		for _, proto := range []string{protoSimple, protoExtended} {
			if _, err := s.e.pgbench.run(ctx, s.pgArgs(proto, c, 1)...); err != nil {
				return nil, err
			}
		}
	}
	pm := s.e.postmaster(ctx)
	for r := 0; r < s.o.Rounds; r++ {
		for k := range counts {
			i := (k + r) % len(counts)
			if err := s.round(ctx, r, &points[i], &cpu[i], pm); err != nil {
				return nil, err
			}
		}
	}
	for i := range points {
		p := &points[i]
		ratios := pairedRatios(p.Harness, p.Pgbench)
		p.HarnessMedian, p.PgbenchMedian = median(p.Harness), median(p.Pgbench)
		p.Ratio, p.Spread = median(ratios), spread(ratios)
		checks := float64(p.Clients * p.Repeats * len(s.seeds) * s.o.Rounds)
		us := func(d time.Duration) float64 { return float64(d.Microseconds()) / checks }
		p.HarnessCPU, p.PgbenchCPU = us(cpu[i].harness), us(cpu[i].pgbench)
		p.HarnessServerCPU, p.PgbenchServerCPU = us(cpu[i].harnessServer), us(cpu[i].pgbenchServer)
		s.o.logf("bench: read checks, %d clients: harness %.0f/s, pgbench %.0f/s, ratio %.2f; CPU per check: harness %.0f µs + server %.0f µs, pgbench %.0f µs + server %.0f µs",
			p.Clients, p.HarnessMedian, p.PgbenchMedian, p.Ratio, p.HarnessCPU, p.HarnessServerCPU, p.PgbenchCPU, p.PgbenchServerCPU)
	}
	return points, nil
}

// round runs one round at one client count.
func (s *sweep) round(ctx context.Context, r int, p *ReadPoint, cpu *cpuTotals, pm int) error {
	checks := float64(p.Clients * p.Repeats * len(s.seeds))
	var h, ps, pe float64
	runH := func() error {
		client, server := cpuTime(), settledServerCPU(pm, -1)
		d, err := harnessPass(ctx, s.e.tg, s.w, s.seeds, p.Clients, p.Repeats)
		cpu.harness += cpuTime() - client
		cpu.harnessServer += settledServerCPU(pm, -1) - server
		h = checks / d.Seconds()
		return err
	}
	runP := func(proto string, rate *float64) func() error {
		return func() error {
			server, live := serverCPU(pm)
			out, client, err := s.e.pgbench.runCPU(ctx, s.pgArgs(proto, p.Clients, p.Repeats)...)
			if err != nil {
				return err
			}
			cpu.pgbenchServer += (settledServerCPU(pm, live) - server) / 2
			cpu.pgbench += client / 2
			tps, err := parseTPS(out)
			*rate = tps * float64(len(s.seeds))
			return err
		}
	}
	sides := []func() error{runH, runP(protoSimple, &ps), runP(protoExtended, &pe)}
	for i := range sides {
		if err := sides[(i+r)%len(sides)](); err != nil {
			return err
		}
	}
	p.Harness = append(p.Harness, h)
	p.PgbenchSimple = append(p.PgbenchSimple, ps)
	p.PgbenchExtended = append(p.PgbenchExtended, pe)
	p.Pgbench = append(p.Pgbench, max(ps, pe))
	s.o.logf("bench: read checks round %d, %d clients: harness %.0f/s, pgbench simple %.0f/s, extended %.0f/s", r+1, p.Clients, h, ps, pe)
	return nil
}

// pgArgs are pgbench's arguments to replay the stream repeats times on
// clients connections with protocol proto.
func (s *sweep) pgArgs(proto string, clients, repeats int) []string {
	c := strconv.Itoa(clients)
	return []string{"-n", "-M", proto, "-f", s.scripts[proto], "-c", c, "-j", c, "-t", strconv.Itoa(repeats)}
}
