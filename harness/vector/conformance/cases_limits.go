package conformance

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

var limits = Case{
	Name: "limits",
	Covers: []string{"limit:upsert-batch", "limit:fetch-ids", "limit:delete-ids", "limit:top_k", "limit:id-length",
		"limit:id-ascii", "limit:metadata-size", "limit:metadata-null", "limit:dimension", "limit:zero-vector"},
	Doc: "Pinecone's documented operation and identifier limits are refused with INVALID_ARGUMENT: 1,000 records per upsert, " +
		"1,000 ids per fetch or delete, top_k up to 10,000, ids of at most 512 ASCII characters (non-ASCII: observed), " +
		"40 KB of metadata, no null metadata, the index dimension, at least one non-zero value",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, store.Record{ID: "seed", Values: c.vec(1, 0)}) {
			return
		}
		many := func(n int) ([]store.Record, []string) {
			recs := make([]store.Record, n)
			ids := make([]string, n)
			for i := range recs {
				ids[i] = fmt.Sprintf("m%d", i)
				recs[i] = store.Record{ID: ids[i], Values: c.vec(1, float32(i))}
			}
			return recs, ids
		}
		recs, ids := many(1001)
		_, err := c.s.Upsert(c.ctx, ns, recs)
		c.invalid("upsert of 1001 records", err)
		_, err = c.s.Fetch(c.ctx, ns, ids)
		c.invalid("fetch of 1001 ids", err)
		c.invalid("delete of 1001 ids", c.s.DeleteIDs(c.ctx, ns, ids))
		_, err = c.s.Query(c.ctx, ns, store.Query{Vector: c.vec(1, 0), TopK: 10001})
		c.invalid("query with top_k 10001", err)
		_, err = c.s.Query(c.ctx, ns, store.Query{Vector: c.vec(1, 0), TopK: 10000})
		c.must("query with top_k 10000", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: strings.Repeat("x", 513), Values: c.vec(1, 0)}})
		c.invalid("upsert of a 513-character id", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: strings.Repeat("x", 512), Values: c.vec(1, 0)}})
		c.must("upsert of a 512-character id", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: "résumé", Values: c.vec(1, 0)}})
		c.invalid("upsert of a non-ASCII id", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: "big", Values: c.vec(1, 0), Metadata: store.Metadata{"t": strings.Repeat("x", 41*1024)}}})
		c.invalid("upsert of 41 KB of metadata", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: "null", Values: c.vec(1, 0), Metadata: store.Metadata{"t": nil}}})
		c.invalid("upsert of a null metadata value", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: "short", Values: make([]float32, c.opts.Dimension+1)}})
		c.invalid("upsert with the wrong dimension", err)
		_, err = c.s.Upsert(c.ctx, ns, []store.Record{{ID: "zero", Values: make([]float32, c.opts.Dimension)}})
		c.invalid("upsert of an all-zero vector", err)
	},
}
