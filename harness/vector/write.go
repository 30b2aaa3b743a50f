package vector

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// WriteIsolation is the property: for any generated world and any sequence
// of operations (mostly writes: upserts of colliding ids, updates and
// deletes by ids the caller owns, other tenants own or learned as store
// ids, deletes by hostile filters, delete-all) by any tenant or by a
// caller without one, no other tenant's records change: the per-tenant
// digests of every record in the index, taken by the administrator before
// and after each operation, differ only for the caller.
//
// Records are attributed to tenants by content (generated values and the
// canary in their text), so a record overwritten by another tenant counts
// as lost by its owner. Limits: a write that adds records attributable to
// nobody (a caller without a tenant) changes no tenant's digest; the read
// property sees where they surface.
var WriteIsolation = &Property{
	Name:   "vector-write-isolation",
	Title:  "a tenant's vector writes change only its own records",
	Labels: []string{"vector", "write", "soc2:CC6.1"},
	check: func(ctx context.Context, env *Env, mode Mode, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T) {
		return func(rt *rapid.T) {
			if st.Expired(opts.Deadline) {
				return
			}
			s, err := start(ctx, env, mode, "vector-write-isolation", opts, rt)
			if err != nil {
				st.Fail(rt, nil, err)
				return
			}
			for i, n := 0, rapid.IntRange(1, 2*opts.Statements).Draw(rt, "operations"); i < n; i++ {
				f, err := s.writeStep(rt)
				if err != nil || f != nil {
					st.Count(s.stats)
					st.Fail(rt, f, err)
					return
				}
			}
			st.Count(s.stats)
		}
	},
}

// writeStep draws and runs one operation and compares every other
// tenant's digest before and after it.
func (s *session) writeStep(rt *rapid.T) (*harness.Finding, error) {
	before, err := snapshot(s.ctx, s.env.Store, s.tr)
	if err != nil {
		return nil, err
	}
	op := generators.VectorOpGen(s.w, storeIDs(before), true).Draw(rt, "operation")
	if s.reached(op, before) {
		s.stats.Reached++
	}
	out, err := s.run(op)
	if err != nil || out.rejected || out.discarded || !op.Kind.IsWrite() {
		return nil, err
	}
	after, err := snapshot(s.ctx, s.env.Store, s.tr)
	if err != nil {
		return nil, err
	}
	db, da := digests(before), digests(after)
	for u := range s.w.Tenants {
		if u == op.Caller || db[u] == da[u] {
			continue
		}
		evidence := changedFor(before, after, u)
		if len(evidence) > 4 {
			evidence = evidence[:4]
		}
		return s.finding(KindVectorWrite, op, u, evidence, "no record of "+s.w.Label(u)+" changes"), nil
	}
	return nil, nil
}
