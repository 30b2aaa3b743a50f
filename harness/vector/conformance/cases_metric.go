package conformance

import (
	"fmt"
	"math"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

var metricOrder = Case{
	Name:   "metric-order",
	Covers: []string{"metric:cosine", "metric:dotproduct", "metric:euclidean", "op:query"},
	Doc: "scores follow the index metric: cosine similarity and dot product with the highest first, euclidean as the " +
		"squared distance with the lowest first (documented); the fixture orders differently under each metric",
	run: func(c *checker) {
		ns := c.ns("a")
		pts := map[string][2]float32{"a": {1, 0}, "b": {3, 1}, "c": {0.5, 0.1}, "d": {-1, 0}, "e": {2, 0.2}}
		var recs []store.Record
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			recs = append(recs, store.Record{ID: id, Values: c.vec(pts[id][0], pts[id][1])})
		}
		if !c.upsert(ns, recs...) {
			return
		}
		want := map[string]string{"cosine": "a,e,c,b,d", "dotproduct": "b,e,a,c,d", "euclidean": "a,c,e,d,b"}[c.opts.Metric]
		if want == "" {
			c.errorf("unknown metric %q", c.opts.Metric)
			return
		}
		c.eventually("query order under "+c.opts.Metric, func() error {
			ms, err := c.s.Query(c.ctx, ns, store.Query{Vector: c.vec(1, 0), TopK: 5})
			if err != nil {
				return err
			}
			if got := matchIDs(ms); got != want {
				return fmt.Errorf("order %s, want %s", got, want)
			}
			for _, m := range ms {
				p := pts[m.ID]
				if exp := expectedScore(c.opts.Metric, p); math.Abs(float64(m.Score)-exp) > 1e-2*math.Max(1, math.Abs(exp)) {
					return fmt.Errorf("score of %s = %g, want %g", m.ID, m.Score, exp)
				}
			}
			return nil
		})
	},
}

// expectedScore is the documented score of point p for the query (1, 0).
func expectedScore(metric string, p [2]float32) float64 {
	x, y := float64(p[0]), float64(p[1])
	switch metric {
	case "dotproduct":
		return x
	case "euclidean":
		return (x-1)*(x-1) + y*y
	}
	return x / math.Sqrt(x*x+y*y)
}
