package conformance

import (
	"fmt"
	"slices"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

var upsertFetch = Case{
	Name:   "upsert-fetch",
	Covers: []string{"op:upsert", "op:fetch", "metadata:types"},
	Doc:    "fetch returns upserted records with their values and metadata (strings, numbers as float64, booleans, string lists) and leaves out missing ids (documented)",
	run: func(c *checker) {
		ns := c.ns("a")
		md := store.Metadata{"s": "x", "n": 2.5, "b": true, "l": []any{"p", "q"}}
		if !c.upsert(ns, store.Record{ID: "r1", Values: c.vec(1, 2), Metadata: md}, store.Record{ID: "r2", Values: c.vec(3, 4)}) {
			return
		}
		c.eventually("fetch", func() error {
			got, err := c.s.Fetch(c.ctx, ns, []string{"r1", "r2", "missing"})
			if err != nil {
				return err
			}
			if len(got) != 2 {
				return fmt.Errorf("fetched %d records, want 2 (missing ids left out)", len(got))
			}
			if !slices.Equal(got["r1"].Values, c.vec(1, 2)) || fmt.Sprint(got["r1"].Metadata) != fmt.Sprint(md) {
				return fmt.Errorf("r1 = %v %v, want %v %v", got["r1"].Values, got["r1"].Metadata, c.vec(1, 2), md)
			}
			return nil
		})
	},
}

var upsertReplaces = Case{
	Name:   "upsert-replaces",
	Covers: []string{"op:upsert", "ids:unique-per-namespace"},
	Doc:    "upserting an existing id replaces the whole record, metadata included (documented)",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, store.Record{ID: "r", Values: c.vec(1, 0), Metadata: store.Metadata{"old": "x"}}) ||
			!c.upsert(ns, store.Record{ID: "r", Values: c.vec(0, 1), Metadata: store.Metadata{"new": "y"}}) {
			return
		}
		c.eventually("fetch after replace", func() error {
			got, err := c.s.Fetch(c.ctx, ns, []string{"r"})
			if err != nil {
				return err
			}
			r := got["r"]
			if !slices.Equal(r.Values, c.vec(0, 1)) || r.Metadata["new"] != "y" || r.Metadata["old"] != nil {
				return fmt.Errorf("record = %v %v, want the second upsert only", r.Values, r.Metadata)
			}
			return nil
		})
	},
}

var updateMerges = Case{
	Name:   "update-merges",
	Covers: []string{"op:update"},
	Doc:    "update replaces values and merges set_metadata into the metadata, keeping other keys (documented); an unknown id is NOT_FOUND (observed)",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, store.Record{ID: "r", Values: c.vec(1, 0), Metadata: store.Metadata{"keep": "k", "change": "old"}}) {
			return
		}
		if !c.must("update", c.s.Update(c.ctx, ns, "r", c.vec(0, 1), store.Metadata{"change": "new", "add": 1.0})) {
			return
		}
		c.eventually("fetch after update", func() error {
			got, err := c.s.Fetch(c.ctx, ns, []string{"r"})
			if err != nil {
				return err
			}
			r := got["r"]
			want := store.Metadata{"keep": "k", "change": "new", "add": 1.0}
			if !slices.Equal(r.Values, c.vec(0, 1)) || fmt.Sprint(r.Metadata) != fmt.Sprint(want) {
				return fmt.Errorf("record = %v %v, want %v %v", r.Values, r.Metadata, c.vec(0, 1), want)
			}
			return nil
		})
		if err := c.s.Update(c.ctx, ns, "nope", nil, store.Metadata{"x": "y"}); !store.IsNotFound(err) {
			c.errorf("update of a missing id: error %v, want NOT_FOUND", err)
		}
	},
}

var queryByID = Case{
	Name:   "query-by-id",
	Covers: []string{"op:query-by-id", "op:query"},
	Doc:    "a query by id uses the stored record's vector, so the record is its own best match; an unknown id returns no matches (documented)",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, store.Record{ID: "x", Values: c.vec(1, 0.1)}, store.Record{ID: "y", Values: c.vec(-1, 0.5)}) {
			return
		}
		c.eventually("query by id", func() error {
			ms, err := c.s.Query(c.ctx, ns, store.Query{ID: "x", TopK: 2})
			if err != nil {
				return err
			}
			if matchIDs(ms) != "x,y" {
				return fmt.Errorf("matches = %s, want x,y", matchIDs(ms))
			}
			return nil
		})
		ms, err := c.s.Query(c.ctx, ns, store.Query{ID: "missing", TopK: 2})
		if c.must("query by a missing id", err) && len(ms) != 0 {
			c.errorf("query by a missing id = %s, want no matches", matchIDs(ms))
		}
	},
}
