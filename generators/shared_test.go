package generators_test

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
	"pgregory.net/rapid"
)

// TestSharedContent: worlds give rows of different tenants the same
// content (documents' title and content, chunks' body) while their keys
// stay distinct, and every such row is still traced to its owner, and to
// nobody else, by its key: the shared text carries no canary.
func TestSharedContent(t *testing.T) {
	tg := testenv.Target(t)
	content := map[string][]string{"documents": {"title", "content", "doc_type"}, "document_chunks": {"body"}}
	worlds, met := 0, map[string]int{}
	rapid.Check(t, func(rt *rapid.T) {
		w := generators.WorldGen(tg.Catalog, generators.WorldOptions{}).Draw(rt, "world")
		worlds++
		for name, cols := range content {
			holder := map[string]generators.Row{}
			meets := false
			for _, r := range w.RowsOf(tg.Catalog.Relation(name)) {
				owners := map[int]bool{}
				for _, v := range r.Values {
					for _, o := range w.Owners(v) {
						owners[o] = true
					}
				}
				if len(owners) != 1 || !owners[r.Tenant] {
					rt.Fatalf("%s row %s of %s is traced to %v, want its owner alone", name, r.Key, w.Tenants[r.Tenant].Label, owners)
				}
				var text []string
				for _, c := range cols {
					text = append(text, r.Values[c])
				}
				key := strings.Join(text, "\x00")
				if h, ok := holder[key]; ok && h.Tenant != r.Tenant {
					if h.Key == r.Key {
						rt.Fatalf("%s: two tenants' rows share the key %s", name, r.Key)
					}
					if strings.Contains(key, "[tf:") {
						rt.Fatalf("%s: a text two tenants hold carries a canary: %s", name, key)
					}
					meets = true
				}
				holder[key] = r
			}
			if meets {
				met[name]++
			}
		}
	})
	t.Logf("of %d worlds, tenants held the same content in %v", worlds, met)
	for name := range content {
		if met[name] < worlds/5 {
			t.Errorf("%s: tenants held the same content in %d of %d worlds, want at least a fifth", name, met[name], worlds)
		}
	}
}
