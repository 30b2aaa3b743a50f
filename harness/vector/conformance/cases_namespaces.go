package conformance

import (
	"fmt"
	"slices"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

var namespaceScoping = Case{
	Name:   "namespace-scoping",
	Covers: []string{"namespace:scoping", "ids:unique-per-namespace", "op:stats", "op:delete-all"},
	Doc:    "the same id lives independently in two namespaces; fetch, query, list, delete and delete_all touch one namespace only; stats count per namespace (documented)",
	run: func(c *checker) {
		a, b := c.ns("a"), c.ns("b")
		if !c.upsert(a, store.Record{ID: "same", Values: c.vec(1, 0), Metadata: store.Metadata{"in": "a"}}, store.Record{ID: "only-a", Values: c.vec(1, 1)}) ||
			!c.upsert(b, store.Record{ID: "same", Values: c.vec(0, 1), Metadata: store.Metadata{"in": "b"}}) {
			return
		}
		c.eventually("reads scoped to one namespace", func() error {
			got, err := c.s.Fetch(c.ctx, b, []string{"same", "only-a"})
			if err != nil {
				return err
			}
			if len(got) != 1 || got["same"].Metadata["in"] != "b" {
				return fmt.Errorf("fetch from b = %v, want only b's record", got)
			}
			ms, err := c.s.Query(c.ctx, b, store.Query{Vector: c.vec(1, 1), TopK: 10, IncludeMetadata: true})
			if err != nil {
				return err
			}
			if len(ms) != 1 || ms[0].Metadata["in"] != "b" {
				return fmt.Errorf("query in b = %s, want only b's record", matchIDs(ms))
			}
			pg, err := c.s.List(c.ctx, b, "", 0, "")
			if err != nil {
				return err
			}
			if !slices.Equal(pg.IDs, []string{"same"}) {
				return fmt.Errorf("list b = %v, want [same]", pg.IDs)
			}
			st, err := c.s.Stats(c.ctx)
			if err != nil {
				return err
			}
			if st.Namespaces[a] != 2 || st.Namespaces[b] != 1 {
				return fmt.Errorf("stats = %v, want %s:2 %s:1", st.Namespaces, a, b)
			}
			return nil
		})
		if !c.must("delete in b", c.s.DeleteIDs(c.ctx, b, []string{"same"})) {
			return
		}
		c.eventually("delete scoped to one namespace", func() error {
			got, err := c.s.Fetch(c.ctx, a, []string{"same"})
			if err != nil {
				return err
			}
			if len(got) != 1 {
				return fmt.Errorf("a delete in b removed a's record")
			}
			return nil
		})
		if !c.upsert(b, store.Record{ID: "again", Values: c.vec(0, 1)}) || !c.must("delete_all in b", c.s.DeleteAll(c.ctx, b)) {
			return
		}
		c.eventually("delete_all scoped to one namespace", func() error {
			st, err := c.s.Stats(c.ctx)
			if err != nil {
				return err
			}
			if st.Namespaces[b] != 0 || st.Namespaces[a] != 2 {
				return fmt.Errorf("stats after delete_all in b = %v, want b empty and a untouched", st.Namespaces)
			}
			return nil
		})
	},
}

var defaultNamespace = Case{
	Name:   "default-namespace",
	Covers: []string{"namespace:default"},
	Doc:    `"" and "__default__" name the same namespace (documented: the default namespace is called __default__)`,
	run: func(c *checker) {
		id := c.opts.Prefix + "default-probe"
		if !c.upsert("", store.Record{ID: id, Values: c.vec(1, 0)}) {
			return
		}
		defer func() { c.must("clean up the default namespace", c.s.DeleteIDs(c.ctx, "", []string{id})) }()
		c.eventually("fetch through __default__", func() error {
			got, err := c.s.Fetch(c.ctx, store.DefaultNamespace, []string{id})
			if err != nil {
				return err
			}
			if len(got) != 1 {
				return fmt.Errorf("a record upserted into \"\" is not in __default__")
			}
			return nil
		})
	},
}

var deleteModes = Case{
	Name:   "delete-modes",
	Covers: []string{"op:delete-ids", "op:delete-filter", "op:delete-all", "namespace:missing"},
	Doc:    "delete by ids and by filter remove exactly those records; deleting in a namespace that does not exist is NOT_FOUND (observed on serverless)",
	run: func(c *checker) {
		ns := c.ns("a")
		if !c.upsert(ns,
			store.Record{ID: "k1", Values: c.vec(1, 0), Metadata: store.Metadata{"g": "keep"}},
			store.Record{ID: "d1", Values: c.vec(0, 1), Metadata: store.Metadata{"g": "drop"}},
			store.Record{ID: "d2", Values: c.vec(1, 1), Metadata: store.Metadata{"g": "drop"}},
			store.Record{ID: "i1", Values: c.vec(2, 1)}) {
			return
		}
		if !c.must("delete by filter", c.s.DeleteFilter(c.ctx, ns, store.Filter{"g": "drop"})) || !c.must("delete by id", c.s.DeleteIDs(c.ctx, ns, []string{"i1", "never-there"})) {
			return
		}
		c.eventually("records left", func() error {
			pg, err := c.s.List(c.ctx, ns, "", 0, "")
			if err != nil {
				return err
			}
			if !slices.Equal(pg.IDs, []string{"k1"}) {
				return fmt.Errorf("left %v, want [k1]", pg.IDs)
			}
			return nil
		})
		missing := c.ns("never-created")
		if err := c.s.DeleteAll(c.ctx, missing); !store.IsNotFound(err) {
			c.errorf("delete_all in a missing namespace: error %v, want NOT_FOUND", err)
		}
	},
}
