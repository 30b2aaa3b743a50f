package harness

import (
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// Repro is a finding's reproduction as data rather than a script: the
// minimal world, the role and context, the statement, and what it should
// have done. Exporters (harness/pgtap) turn it into regression tests that
// fail while the defect exists and pass once it is fixed.
//
// It is filled for the findings of the generic probes (read-isolation,
// fail-closed, write-isolation, side-channel, large-world); findings of
// pool-isolation, hostile-ids, plan-cache, role-tricks, the vector store
// and the router carry none (their scripts need more than one session or
// no SQL at all).
type Repro struct {
	// World holds the INSERT statements of the world, run by the owner (a
	// superuser) in order; Setup what follows them (materialized view
	// refreshes).
	World []string `json:"world"`
	Setup []string `json:"setup,omitempty"`
	// Role is the role the statement runs as.
	Role string `json:"role"`
	// ContextState is tenant, unset or empty; Context the SQL that sets it
	// (none when unset: the statement runs in a session that never set it).
	ContextState string   `json:"context_state"`
	Context      []string `json:"context,omitempty"`
	// Statement is the statement run as Role; Copy its COPY data lines.
	Statement string   `json:"statement"`
	Copy      []string `json:"copy,omitempty"`
	Write     bool     `json:"write,omitempty"`
	// Probes, for side-channel findings, are the writes that must end the
	// same way (one colliding with another tenant's key, one with none).
	Probes   []string      `json:"probes,omitempty"`
	Expected ReproExpected `json:"expected"`
}

// ReproExpected is what a fixed schema does.
type ReproExpected struct {
	// Check is same-rows (the statement returns exactly the rows of
	// Query, run by the owner), unchanged (the rows of Query, read by the
	// owner, are the same before and after the statement) or same-outcome
	// (the Probes end with the same SQLSTATE and row count).
	Check string `json:"check"`
	Query string `json:"query,omitempty"`
	// Tenant is whose rows the statement may see or change ("" for none).
	Tenant string `json:"tenant,omitempty"`
}

// Expected checks.
const (
	CheckSameRows    = "same-rows"
	CheckUnchanged   = "unchanged"
	CheckSameOutcome = "same-outcome"
)

// repro builds f's Repro from the probe it came from, or nil when the
// expectation cannot be stated as SQL (a statement with no restricted
// form, a relation without a tenant filter).
func (tg *Target) repro(p probe, state contextState, s generators.Statement, f *Finding) *Repro {
	if p.world == nil {
		return nil
	}
	r := &Repro{World: InsertSQL(p.world), Role: tg.Config.AppRole, ContextState: string(state),
		Statement: s.SQL, Copy: s.Copy, Write: s.Write}
	if p.role != "" {
		r.Role = p.role
	}
	if x := strings.TrimSpace(refreshSQL(p.world)); x != "" {
		r.Setup = strings.Split(x, "\n")
	}
	switch state {
	case ctxTenant:
		r.Context = []string{tg.Strategy.Script(tg, f.Tenant)}
	case ctxEmpty:
		r.Context = tg.EmptyContextScript()
	}
	r.Expected.Tenant = f.Tenant
	switch {
	case f.Kind == KindSideChannel:
		for _, st := range p.stmts {
			r.Probes = append(r.Probes, st.SQL)
		}
		if len(r.Probes) < 2 {
			return nil
		}
		r.Expected.Check = CheckSameOutcome
	case s.Write:
		rel := tg.Catalog.Relation(f.Relation)
		if rel == nil {
			return nil
		}
		cond, ok := tg.Catalog.TenantFilter(rel, "", nullableLiteral(f.Tenant))
		if !ok {
			return nil
		}
		if f.Tenant == "" {
			cond = "false"
		}
		r.Expected.Check = CheckUnchanged
		r.Expected.Query = "SELECT * FROM " + rel.QualifiedName() + " WHERE NOT coalesce((" + cond + "), false)"
	default:
		q, ok := s.Restricted(tg.Catalog, f.Tenant)
		if !ok {
			return nil
		}
		r.Expected.Check = CheckSameRows
		r.Expected.Query = q
	}
	return r
}
