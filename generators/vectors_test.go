package generators_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// TestVectorWorlds: every generated vector world is well formed (ids
// unique per tenant, canaries of the owner, non-zero vectors of the
// dimension, legacy records untagged), and the adversarial cases the
// properties rely on all occur: hostile tenant ids, ids colliding across
// tenants, near-duplicate vectors of another tenant, metadata naming
// another tenant, missing fields, string lists, legacy records and texts
// two tenants both hold (shared content, traced by its source canary).
func TestVectorWorlds(t *testing.T) {
	seen := map[string]int{}
	gen := generators.VectorWorldGen(generators.VectorOptions{Dim: 6})
	for i := 0; i < 300; i++ {
		w := gen.Example(i)
		ids := map[string]int{}
		for _, r := range append(append([]generators.VectorRecord(nil), w.Records...), w.Legacy...) {
			if len(r.Values) != 6 {
				t.Fatalf("world %d: vector of dimension %d", i, len(r.Values))
			}
			zero := true
			for _, x := range r.Values {
				zero = zero && x == 0
			}
			if zero {
				t.Fatalf("world %d: all-zero vector", i)
			}
			text, _ := r.Metadata[generators.VectorTextKey].(string)
			src, shared := r.Metadata[generators.VectorSourceKey].(string)
			if shared { // a shared text: no canary in it, the owner's in its source
				if len(w.CanaryOwners(text)) > 0 {
					t.Fatalf("world %d: record %q of %s has a shared text with a canary: %q", i, r.ID, w.Label(r.Tenant), text)
				}
				text = src
			}
			if os := w.CanaryOwners(text); len(os) != 1 || os[0] != r.Tenant {
				t.Fatalf("world %d: record %q of %s has text %q (shared %v)", i, r.ID, w.Label(r.Tenant), text, shared)
			}
		}
		for _, r := range w.Records {
			key := w.Label(r.Tenant) + "\x00" + r.ID
			if ids[key]++; ids[key] > 1 {
				t.Fatalf("world %d: %s holds id %q twice", i, w.Label(r.Tenant), r.ID)
			}
			for _, o := range w.Records {
				if o.Tenant != r.Tenant && o.ID == r.ID {
					seen["colliding ids"]++
				}
				if o.Tenant != r.Tenant && near(o.Values, r.Values) {
					seen["near duplicates"]++
				}
				if _, ok := r.Metadata[generators.VectorSourceKey]; ok && o.Tenant != r.Tenant && o.Metadata[generators.VectorTextKey] == r.Metadata[generators.VectorTextKey] {
					seen["text shared across tenants"]++
				}
			}
			if v, ok := r.Metadata[w.TenantKey]; ok && v != w.Key(r.Tenant) {
				seen["tenant field naming another"]++
			}
			if _, ok := r.Metadata["genre"]; !ok {
				seen["missing field"]++
			}
			if _, ok := r.Metadata["tags"].([]any); ok {
				seen["string list"]++
			}
		}
		for _, l := range w.Legacy {
			if _, ok := l.Metadata[w.TenantKey]; ok {
				t.Fatalf("world %d: legacy record %q carries the tenant field", i, l.ID)
			}
			seen["legacy"]++
		}
		for _, tn := range w.Tenants {
			if !strings.HasPrefix(tn.Key, "7e4a0000-") {
				seen["hostile tenant id"]++
			}
		}
	}
	for _, want := range []string{"colliding ids", "near duplicates", "tenant field naming another", "missing field", "string list", "legacy", "hostile tenant id", "text shared across tenants"} {
		if seen[want] < 10 {
			t.Errorf("only %d worlds with %s: %v", seen[want], want, seen)
		}
	}
}

func near(a, b []float32) bool {
	d := float32(0)
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
	}
	return d > 0 && d < 1.0/256
}

// TestVectorOps: operations cover every kind, callers without a tenant,
// queries near another tenant's record, learned store ids, and filters
// with every operator, the empty filter and clauses on the tenant field.
func TestVectorOps(t *testing.T) {
	seen := map[string]int{}
	worlds := generators.VectorWorldGen(generators.VectorOptions{})
	for i := 0; i < 100; i++ {
		w := worlds.Example(i)
		learned := []string{"learned/doc-1"}
		for _, writes := range []bool{false, true} {
			gen := generators.VectorOpGen(w, learned, writes)
			for j := 0; j < 10; j++ {
				op := gen.Example(i*100 + j)
				seen["kind "+string(op.Kind)]++
				if op.Caller < 0 {
					seen["no tenant"]++
				}
				if op.Kind == generators.OpQuery && !strings.Contains(op.Near, w.Label(op.Caller)+"'s") && strings.Contains(op.Near, "'s") {
					seen["query near a foreign record"]++
				}
				for _, id := range op.IDs {
					if id == "learned/doc-1" {
						seen["learned id"]++
					}
				}
				if op.Filter != nil {
					b, _ := json.Marshal(op.Filter)
					f := string(b)
					if f == "{}" {
						seen["empty filter"]++
					}
					for _, o := range []string{"$ne", "$gt", "$in", "$nin", "$exists", "$and", "$or", w.TenantKey} {
						if strings.Contains(f, `"`+o+`"`) {
							seen[o]++
						}
					}
					if strings.Contains(f, `"genre":"`) {
						seen["bare value"]++
					}
				}
			}
		}
	}
	for _, want := range []string{"kind query", "kind query-id", "kind fetch", "kind list", "kind count", "kind upsert", "kind update",
		"kind delete", "kind delete-where", "kind delete-all", "no tenant", "query near a foreign record", "learned id",
		"empty filter", "$ne", "$gt", "$in", "$nin", "$exists", "$and", "$or", "tenant_id", "bare value"} {
		if seen[want] == 0 {
			t.Errorf("no operation with %s: %v", want, seen)
		}
	}
}
