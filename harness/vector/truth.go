package vector

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/app"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// nobody owns what a caller without a tenant writes; ambiguous marks a
// vector two tenants generated.
const (
	nobody    = -1
	ambiguous = -2
)

// truth is the ground truth of one check, from the generator: who
// generated each vector, and the records each tenant expects to hold.
type truth struct {
	w       *generators.VectorWorld
	byValue map[string]int // fingerprint of generated values -> owner
	model   []map[string]modelRecord
	ref     app.Scoping // the reference scoping, for the metadata it stores
}

type modelRecord struct {
	values []float32
	meta   store.Metadata
}

func newTruth(w *generators.VectorWorld, mode app.Mode) *truth {
	tr := &truth{w: w, byValue: map[string]int{}, ref: app.Reference(mode, w.TenantKey)}
	tr.model = make([]map[string]modelRecord, len(w.Tenants))
	for i := range tr.model {
		tr.model[i] = map[string]modelRecord{}
	}
	return tr
}

func fingerprint(v []float32) string {
	var b strings.Builder
	for _, x := range v {
		fmt.Fprintf(&b, "%08x", math.Float32bits(x))
	}
	return b.String()
}

// register records that owner generated values.
func (tr *truth) register(values []float32, owner int) {
	k := fingerprint(values)
	if o, ok := tr.byValue[k]; ok && o != owner {
		tr.byValue[k] = ambiguous
		return
	}
	tr.byValue[k] = owner
}

// owners traces a record to tenants by its values and by the canary in its
// text or, for a shared text, its source; empty when none identifies a
// tenant.
func (tr *truth) owners(values []float32, md store.Metadata) []int {
	set := map[int]bool{}
	if len(values) > 0 {
		if o, ok := tr.byValue[fingerprint(values)]; ok && o >= 0 {
			set[o] = true
		}
	}
	for _, key := range []string{generators.VectorTextKey, generators.VectorSourceKey} {
		if s, ok := md[key].(string); ok {
			for _, o := range tr.w.CanaryOwners(s) {
				set[o] = true
			}
		}
	}
	out := make([]int, 0, len(set))
	for o := range set {
		out = append(out, o)
	}
	sort.Ints(out)
	return out
}

// foreign returns an owner other than the caller, or -1.
func foreign(owners []int, caller int) int {
	for _, o := range owners {
		if o != caller {
			return o
		}
	}
	return -1
}

// upserted updates the model after the caller upserted records.
func (tr *truth) upserted(caller int, recs []generators.VectorRecord) {
	if caller < 0 {
		return
	}
	for _, r := range recs {
		tr.model[caller][r.ID] = modelRecord{values: r.Values, meta: tr.ref.Tag(tr.w.Key(caller), r.Metadata)}
	}
}

// updated updates the model after the caller updated one of its records.
func (tr *truth) updated(caller int, id string, values []float32, set store.Metadata) {
	if caller < 0 {
		return
	}
	m, ok := tr.model[caller][id]
	if !ok {
		return
	}
	meta := make(store.Metadata, len(m.meta))
	for k, v := range m.meta {
		meta[k] = v
	}
	for k, v := range tr.ref.Tag(tr.w.Key(caller), set) {
		meta[k] = v
	}
	if len(values) > 0 {
		m.values = values
	}
	m.meta = meta
	tr.model[caller][id] = m
}

// deleted updates the model after a delete by ids, by filter or of all.
func (tr *truth) deleted(caller int, ids []string, filter store.Filter, all bool) {
	if caller < 0 {
		return
	}
	for _, id := range ids {
		delete(tr.model[caller], id)
	}
	for id, m := range tr.model[caller] {
		if all {
			delete(tr.model[caller], id)
		} else if len(filter) > 0 {
			if ok, err := fake.Matches(filter, m.meta); err == nil && ok {
				delete(tr.model[caller], id)
			}
		}
	}
}

// idOwners returns the tenants other than the caller that hold a record
// with this caller-visible id: in their model, or as a legacy record.
func (tr *truth) idOwners(caller int, id string) []int {
	var out []int
	for t, m := range tr.model {
		if _, ok := m[id]; ok && t != caller {
			out = append(out, t)
		}
	}
	for _, l := range tr.w.Legacy {
		if l.ID == id && l.Tenant != caller {
			out = append(out, l.Tenant)
		}
	}
	return out
}
