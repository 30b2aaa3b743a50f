package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// smallProperties are the properties row 2 measures: the check shapes of
// docs/design.md (insert a small world, statements, oracle, roll back).
var smallProperties = []*harness.Property{harness.ReadIsolation, harness.FailClosed, harness.WriteIsolation, harness.SideChannel}

// smallSubject is the relation row 2 checks the properties on, where the
// property applies to it (else its first subject).
const smallSubject = "documents"

// subjectOf picks the subject row 2 checks p on.
func subjectOf(p *harness.Property, tg *harness.Target) (harness.Subject, bool) {
	subjects := p.Subjects(tg)
	for _, s := range subjects {
		if s.Name == smallSubject {
			return s, true
		}
	}
	if len(subjects) == 0 {
		return harness.Subject{}, false
	}
	return subjects[0], true
}

// SmallResult is row 2.
type SmallResult struct {
	Checks     int             `json:"checks_per_round"`
	Properties []SmallProperty `json:"properties"`
}

// SmallProperty is one property's small-world checks: the rate per round,
// and where the time went, summed over the rounds. Setup, Statements and
// Oracle are database time as the client sees it (query sent to answer
// read): the transaction, world insert and tenant context; the generated
// statements as the tenant; the oracles' queries (the statement as the
// admin and restricted to the tenant, digests). Client is the rest of the
// wall time: drawing worlds and statements, attributing and comparing rows,
// the driver.
type SmallProperty struct {
	Property     string    `json:"property"`
	Subject      string    `json:"subject"`
	ChecksPerSec []float64 `json:"checks_per_sec"`
	Median       float64   `json:"checks_per_sec_median"`
	Statements   int       `json:"statements"`
	SetupMs      float64   `json:"setup_ms"`
	StatementsMs float64   `json:"statements_ms"`
	OracleMs     float64   `json:"oracle_ms"`
	ClientMs     float64   `json:"client_ms"`
	WallMs       float64   `json:"wall_ms"`
}

// Share returns the fractions of wall time of setup, statements, oracle
// and client.
func (p SmallProperty) Share() [4]float64 {
	return [4]float64{ratio(p.SetupMs, p.WallMs), ratio(p.StatementsMs, p.WallMs), ratio(p.OracleMs, p.WallMs), ratio(p.ClientMs, p.WallMs)}
}

// smallWorlds measures row 2: rounds of SmallChecks checks per property,
// the properties taking turns.
func smallWorlds(ctx context.Context, e *env, o Options) (*SmallResult, error) {
	if err := e.clear(ctx); err != nil {
		return nil, err
	}
	clock := newPhaseClock()
	tg, err := traced(ctx, e.tg, clock, e.tg.Pool.Config().MaxConns)
	if err != nil {
		return nil, err
	}
	defer tg.Pool.Close()
	res := &SmallResult{Checks: o.SmallChecks}
	props := make([]SmallProperty, len(smallProperties))
	for r := 0; r < o.Rounds; r++ {
		for i := range smallProperties {
			k := (i + r) % len(smallProperties)
			p := smallProperties[k]
			subj, ok := subjectOf(p, tg)
			if !ok {
				continue // e.g. side-channel without a global key
			}
			clock.reset()
			run := p.RunSubject(ctx, tg, subj, harness.RunOptions{Checks: o.SmallChecks, Seed: o.Seed + uint64(r), ShrinkTime: time.Second})
			spent := clock.reset()
			if run.Err != nil {
				return nil, fmt.Errorf("%s on %s: %w", p.Name, subj.Name, run.Err)
			}
			if len(run.Findings) > 0 {
				return nil, fmt.Errorf("%s on %s: finding on the reference schema: %s", p.Name, subj.Name, run.Findings[0].Summary())
			}
			sp := &props[k]
			sp.Property, sp.Subject = p.Name, subj.Name
			sp.ChecksPerSec = append(sp.ChecksPerSec, float64(run.Checks)/run.Duration.Seconds())
			sp.Statements += run.Statements
			db := spent[phaseSetup] + spent[phaseStatement] + spent[phaseOracle]
			sp.SetupMs += ms(spent[phaseSetup])
			sp.StatementsMs += ms(spent[phaseStatement])
			sp.OracleMs += ms(spent[phaseOracle])
			sp.ClientMs += ms(run.Duration - db)
			sp.WallMs += ms(run.Duration)
		}
	}
	for _, p := range props {
		if p.Property == "" {
			continue
		}
		p.Median = median(p.ChecksPerSec)
		o.logf("bench: small worlds %s: %.0f checks/s", p.Property, p.Median)
		res.Properties = append(res.Properties, p)
	}
	return res, nil
}
