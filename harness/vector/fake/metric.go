package fake

import (
	"math"
	"sort"
)

// Metrics an index can use.
const (
	Cosine     = "cosine"
	DotProduct = "dotproduct"
	Euclidean  = "euclidean"
)

// score is the similarity of a stored record to a query under the metric:
// cosine similarity and dot product (higher is more similar), or the
// squared Euclidean distance (lower is more similar), as Pinecone reports
// them. Sparse values count only under dotproduct (hybrid search).
func score(metric string, q []float32, qs *wireSparse, r *record) float64 {
	var dot, nq, nr, dist float64
	for i := range q {
		a, b := float64(q[i]), float64(r.values[i])
		dot += a * b
		nq += a * a
		nr += b * b
		dist += (a - b) * (a - b)
	}
	switch metric {
	case Euclidean:
		return dist
	case DotProduct:
		return dot + sparseDot(qs, r.sparse)
	}
	if nq == 0 || nr == 0 {
		return 0
	}
	return dot / (math.Sqrt(nq) * math.Sqrt(nr))
}

func sparseDot(a, b *wireSparse) float64 {
	if a == nil || b == nil {
		return 0
	}
	m := make(map[uint32]float32, len(b.Indices))
	for i, ix := range b.Indices {
		m[ix] = b.Values[i]
	}
	var s float64
	for i, ix := range a.Indices {
		s += float64(a.Values[i]) * float64(m[ix])
	}
	return s
}

// higherIsBetter reports the score order of a metric.
func higherIsBetter(metric string) bool { return metric != Euclidean }

type scored struct {
	rec   *record
	score float64
}

// rank sorts matches most similar first; ties go by id so results are
// deterministic.
func rank(metric string, ms []scored) {
	hi := higherIsBetter(metric)
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].score != ms[j].score {
			if hi {
				return ms[i].score > ms[j].score
			}
			return ms[i].score < ms[j].score
		}
		return ms[i].rec.id < ms[j].rec.id
	})
}
