package conformance

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

var listPagination = Case{
	Name:   "list-pagination",
	Covers: []string{"op:list", "list:prefix", "list:pagination"},
	Doc:    "list returns the ids with a prefix, a page of at most limit ids at a time, with a token for the next page and none after the last (documented)",
	run: func(c *checker) {
		ns := c.ns("a")
		var recs []store.Record
		var want []string
		for i := 0; i < 25; i++ {
			id := fmt.Sprintf("doc#%02d", i)
			want = append(want, id)
			recs = append(recs, store.Record{ID: id, Values: c.vec(1, float32(i))})
		}
		recs = append(recs, store.Record{ID: "other#1", Values: c.vec(2, 1)}, store.Record{ID: "do", Values: c.vec(3, 1)})
		if !c.upsert(ns, recs...) {
			return
		}
		c.eventually("paginate doc#", func() error {
			var got []string
			var sizes []int
			token := ""
			for pages := 0; pages < 10; pages++ {
				pg, err := c.s.List(c.ctx, ns, "doc#", 10, token)
				if err != nil {
					return err
				}
				got = append(got, pg.IDs...)
				sizes = append(sizes, len(pg.IDs))
				if token = pg.Next; token == "" {
					break
				}
			}
			if !slices.Equal(sizes, []int{10, 10, 5}) {
				return fmt.Errorf("page sizes %v, want [10 10 5]", sizes)
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("listed %s, want the 25 doc# ids", strings.Join(got, ","))
			}
			return nil
		})
	},
}
