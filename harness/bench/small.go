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

// subjectOf picks the subject row 2 checks p on: smallSubject where p
// applies to it, else the first subject it applies to. A property that
// applies to no subject (side-channel where no key is a tenant's to
// choose) has no row: a rate of checks never run would mean nothing.
func subjectOf(p *harness.Property, tg *harness.Target) (harness.Subject, bool) {
	var first *harness.Subject
	for _, s := range p.Subjects(tg) {
		if ok, _ := p.AppliesTo(tg, s); !ok {
			continue
		}
		if s.Name == smallSubject {
			return s, true
		}
		if first == nil {
			first = &s
		}
	}
	if first == nil {
		return harness.Subject{}, false
	}
	return *first, true
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
	defer tg.Close()
	res := &SmallResult{Checks: o.SmallChecks}
	props := make([]SmallProperty, len(smallProperties))
	for r := 0; r < o.Rounds; r++ {
		for i := range smallProperties {
			k := (i + r) % len(smallProperties)
			p := smallProperties[k]
			subj, ok := subjectOf(p, tg)
			if !ok {
				continue // e.g. side-channel without a key a tenant chooses
			}
			clock.reset()
			run := p.RunSubject(ctx, tg, subj, harness.RunOptions{Checks: o.SmallChecks, Seed: o.Seed + uint64(r), ShrinkTime: time.Second})
			spent := clock.reset()
			if run.Err != nil {
				return nil, fmt.Errorf("%s on %s: %w", p.Name, subj.Name, run.Err)
			}
			if run.Checks == 0 || run.Duration <= 0 {
				return nil, fmt.Errorf("%s on %s: no check ran (%s: %s)", p.Name, subj.Name, run.Verdict, run.Reason)
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
