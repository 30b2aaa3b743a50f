package vector

import (
	"math"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// similarity scores a stored vector against a query under a metric,
// oriented so that higher is always more similar.
func similarity(metric string, q, v []float32) float64 {
	var dot, nq, nv, dist float64
	for i := range q {
		if i >= len(v) {
			break
		}
		a, b := float64(q[i]), float64(v[i])
		dot += a * b
		nq += a * a
		nv += b * b
		dist += (a - b) * (a - b)
	}
	switch metric {
	case "euclidean":
		return -dist
	case "dotproduct":
		return dot
	}
	if nq == 0 || nv == 0 {
		return 0
	}
	return dot / math.Sqrt(nq*nv)
}

// reached reports whether an operation could have touched another
// tenant's data had isolation failed: a foreign record ranks within the
// query's top_k, a requested id or prefix names a foreign record, or
// foreign records exist at all for counts and bulk deletes. A clean result
// from probes that reached nothing proves nothing.
func (s *session) reached(op generators.VectorOp, raw []rawRecord) bool {
	isForeign := func(r rawRecord) bool { return foreign(r.Owners, op.Caller) >= 0 }
	switch op.Kind {
	case generators.OpQuery:
		best := math.Inf(-1)
		for _, r := range raw {
			if isForeign(r) {
				best = math.Max(best, similarity(s.env.Metric, op.Vector, r.Values))
			}
		}
		if math.IsInf(best, -1) {
			return false
		}
		better := 0
		for _, r := range raw {
			if !isForeign(r) && len(r.Owners) > 0 && similarity(s.env.Metric, op.Vector, r.Values) > best {
				better++
			}
		}
		return better < op.TopK
	case generators.OpQueryID, generators.OpFetch, generators.OpDelete, generators.OpUpdate:
		return s.namesForeign(op.Caller, op.IDs, raw)
	case generators.OpUpsert:
		var ids []string
		for _, r := range op.Records {
			ids = append(ids, r.ID)
		}
		return s.namesForeign(op.Caller, ids, raw)
	case generators.OpList:
		for t := range s.w.Tenants {
			if t == op.Caller {
				continue
			}
			for id := range s.tr.model[t] {
				if strings.HasPrefix(id, op.Prefix) {
					return true
				}
			}
		}
		for _, l := range s.w.Legacy {
			if l.Tenant != op.Caller && strings.HasPrefix(l.ID, op.Prefix) {
				return true
			}
		}
		return false
	}
	for _, r := range raw {
		if isForeign(r) {
			return true
		}
	}
	return false
}

// namesForeign reports whether any id is held by another tenant, as the
// id it wrote or as a store id.
func (s *session) namesForeign(caller int, ids []string, raw []rawRecord) bool {
	for _, id := range ids {
		if len(s.tr.idOwners(caller, id)) > 0 {
			return true
		}
		for _, r := range raw {
			if r.ID == id && foreign(r.Owners, caller) >= 0 {
				return true
			}
		}
	}
	return false
}
