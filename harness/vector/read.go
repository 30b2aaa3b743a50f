package vector

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// ReadIsolation is the property: for any generated world (2-5 tenants,
// some with hostile ids, colliding record ids, near-duplicate vectors
// across tenants, metadata naming other tenants, untagged legacy records)
// and any sequence of operations (mostly reads: query by vector near
// another tenant's record, query by id, fetch, list with pagination, count;
// some writes in between) by any tenant or by a caller without one, every
// record, id and count returned belongs to the caller (ownership oracle).
//
// Records are traced to their owners by content (generated values and the
// canary in their text), ids and counts by the tenants' expected records;
// returns that carry neither are counted as unattributed, never passed.
// Limits: a record returned with neither values nor metadata is traced by
// id only, and ids that collide across tenants are taken as the caller's.
var ReadIsolation = &Property{
	Name:   "vector-read-isolation",
	Title:  "a tenant's vector reads return only its own records",
	Labels: []string{"vector", "read", "soc2:CC6.1"},
	check: func(ctx context.Context, env *Env, mode Mode, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T) {
		return func(rt *rapid.T) {
			if st.Expired(opts.Deadline) {
				return
			}
			s, err := start(ctx, env, mode, "vector-read-isolation", opts, rt)
			if err != nil {
				st.Fail(rt, nil, err)
				return
			}
			for i, n := 0, rapid.IntRange(1, 2*opts.Statements).Draw(rt, "operations"); i < n; i++ {
				f, err := s.readStep(rt)
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

// readStep draws and runs one operation and checks what it returned.
func (s *session) readStep(rt *rapid.T) (*harness.Finding, error) {
	raw, err := snapshot(s.ctx, s.env.Store, s.tr)
	if err != nil {
		return nil, err
	}
	op := generators.VectorOpGen(s.w, storeIDs(raw), false).Draw(rt, "operation")
	if s.reached(op, raw) {
		s.stats.Reached++
	}
	out, err := s.run(op)
	if err != nil || out.rejected || out.discarded {
		return nil, err
	}
	return s.checkOwnership(op, out), nil
}

// checkOwnership returns a finding when anything returned belongs to
// another tenant.
func (s *session) checkOwnership(op generators.VectorOp, out outcome) *harness.Finding {
	var evidence []string
	other := -1
	note := func(o int, e string) {
		if other < 0 {
			other = o
		}
		if len(evidence) < 4 {
			evidence = append(evidence, e)
		}
	}
	for _, r := range out.records {
		owners := s.tr.owners(r.Values, r.Meta)
		if len(owners) == 0 {
			if o := s.idOwner(op.Caller, r.ID); o >= 0 {
				note(o, fmt.Sprintf("id=%q (returned without values or metadata) is %s's", r.ID, s.w.Label(o)))
			} else {
				s.stats.Unattributed++
			}
			continue
		}
		if o := foreign(owners, op.Caller); o >= 0 {
			note(o, describeRecord(s.w, r, owners))
		}
	}
	for _, id := range out.ids {
		if o := s.idOwner(op.Caller, id); o >= 0 {
			note(o, fmt.Sprintf("listed id %q is %s's", id, s.w.Label(o)))
		}
	}
	if out.counted {
		own := 0
		if op.Caller >= 0 {
			own = len(s.tr.model[op.Caller])
		}
		if out.count > own {
			note(-1, fmt.Sprintf("count %d, but the caller holds %d records: the count includes other tenants'", out.count, own))
		}
	}
	if len(evidence) == 0 {
		return nil
	}
	return s.finding(KindVectorRead, op, other, evidence, "only the caller's own records")
}

// idOwner returns another tenant that holds an id the caller does not, or
// -1: an id the caller holds itself is taken as its own.
func (s *session) idOwner(caller int, id string) int {
	if caller >= 0 {
		if _, own := s.tr.model[caller][id]; own {
			return -1
		}
	}
	if os := s.tr.idOwners(caller, id); len(os) > 0 {
		return os[0]
	}
	return -1
}
