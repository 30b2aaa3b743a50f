package conformance

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// filterFixture is seven records whose metadata exercises every type,
// missing fields and a number stored as a string.
func filterFixture(c *checker) []store.Record {
	md := []store.Metadata{
		{"genre": "drama", "year": 2020.0, "draft": true, "tags": []any{"a", "b"}},
		{"genre": "comedy", "year": 2019.0, "draft": false, "tags": []any{"b", "c"}},
		{"genre": "drama", "year": 2021.0},
		{"year": 2018.5, "draft": true, "tags": []any{"c"}},
		{"genre": "documentary"},
		{"other": "x"},
		{"genre": "x", "year": "2020"},
	}
	recs := make([]store.Record, len(md))
	for i, m := range md {
		recs[i] = store.Record{ID: fmt.Sprintf("r%d", i+1), Values: c.vec(1, float32(i+1)), Metadata: m}
	}
	return recs
}

// filterCase is a filter and the fixture records it must select.
type filterCase struct {
	filter string // JSON
	want   string // comma-joined sorted ids
}

func (c *checker) selects(ns string, cases []filterCase) {
	for _, fc := range cases {
		var f store.Filter
		if err := json.Unmarshal([]byte(fc.filter), &f); err != nil {
			c.errorf("bad fixture filter %s: %v", fc.filter, err)
			continue
		}
		c.eventually("filter "+fc.filter, func() error {
			ms, err := c.s.Query(c.ctx, ns, store.Query{Vector: c.vec(1, 1), TopK: 100, Filter: f})
			if err != nil {
				return err
			}
			ids := strings.Split(matchIDs(ms), ",")
			sort.Strings(ids)
			if got := strings.Join(ids, ","); got != fc.want {
				return fmt.Errorf("selects %s, want %s", got, fc.want)
			}
			return nil
		})
	}
}

var filterOperators = Case{
	Name: "filter-operators",
	Covers: []string{"filter:bare", "filter:$eq", "filter:$ne", "filter:$gt", "filter:$gte", "filter:$lt", "filter:$lte",
		"filter:$in", "filter:$nin", "filter:$exists", "filter:$and", "filter:$or", "filter:missing-fields", "filter:types"},
	Doc: "each operator selects what Pinecone documents; a bare value means $eq; several keys or operators are AND-ed; " +
		"$ne matches only records where the field is set (documented); $nin also matches records without the field " +
		"(MongoDB's rule, which Pinecone's filter language follows: the case to confirm against a real index); values of another type never match",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, filterFixture(c)...) {
			return
		}
		c.selects(ns, []filterCase{
			{`{"genre": "drama"}`, "r1,r3"},
			{`{"genre": {"$eq": "drama"}}`, "r1,r3"},
			{`{"genre": {"$ne": "drama"}}`, "r2,r5,r7"},
			{`{"year": {"$gt": 2019}}`, "r1,r3"},
			{`{"year": {"$gte": 2019}}`, "r1,r2,r3"},
			{`{"year": {"$lt": 2019}}`, "r4"},
			{`{"year": {"$lte": 2019}}`, "r2,r4"},
			{`{"year": {"$gt": 2018, "$lt": 2021}}`, "r1,r2,r4"},
			{`{"genre": {"$in": ["comedy", "documentary"]}}`, "r2,r5"},
			{`{"year": {"$in": [2019, 2021]}}`, "r2,r3"},
			{`{"genre": {"$nin": ["drama", "comedy"]}}`, "r4,r5,r6,r7"},
			{`{"draft": {"$exists": true}}`, "r1,r2,r4"},
			{`{"draft": {"$exists": false}}`, "r3,r5,r6,r7"},
			{`{"draft": true}`, "r1,r4"},
			{`{"draft": {"$ne": true}}`, "r2"},
			{`{"genre": "drama", "draft": true}`, "r1"},
			{`{"$and": [{"genre": "drama"}, {"year": {"$gte": 2021}}]}`, "r3"},
			{`{"$or": [{"genre": "comedy"}, {"year": {"$lt": 2019}}]}`, "r2,r4"},
			{`{"year": 2020}`, "r1"},
			{`{"year": "2020"}`, "r7"},
		})
	},
}

var filterLists = Case{
	Name:   "filter-string-lists",
	Covers: []string{"filter:lists"},
	Doc:    "a list-of-strings field matches $eq and $in when any element does, and $ne and $nin when none does (documented)",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, filterFixture(c)...) {
			return
		}
		c.selects(ns, []filterCase{
			{`{"tags": "b"}`, "r1,r2"},
			{`{"tags": {"$in": ["a", "c"]}}`, "r1,r2,r4"},
			{`{"tags": {"$ne": "b"}}`, "r4"},
			{`{"tags": {"$nin": ["b"]}}`, "r3,r4,r5,r6,r7"},
		})
	},
}

var filterInvalid = Case{
	Name:   "filter-invalid",
	Covers: []string{"filter:invalid"},
	Doc:    "unknown operators, a non-number for $gt, a non-array for $in, an empty $and and a non-boolean $exists are INVALID_ARGUMENT (documented operators and types)",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns, filterFixture(c)[:1]...) {
			return
		}
		for _, f := range []string{
			`{"$foo": [{"genre": "drama"}]}`,
			`{"genre": {"$regex": "dr.*"}}`,
			`{"year": {"$gt": "2019"}}`,
			`{"genre": {"$in": "drama"}}`,
			`{"$and": []}`,
			`{"genre": {"$exists": "yes"}}`,
		} {
			var flt store.Filter
			_ = json.Unmarshal([]byte(f), &flt)
			_, err := c.s.Query(c.ctx, ns, store.Query{Vector: c.vec(1, 1), TopK: 10, Filter: flt})
			c.invalid("query with filter "+f, err)
		}
	},
}
