package generators

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"pgregory.net/rapid"
)

// VectorTextKey is the metadata field that holds a record's text; it
// starts with the owner's canary, so a returned record can be traced to
// its tenant even without its values, except when the text is shared
// content (the same public document other tenants upload: see
// sharedContent), which carries the canary in VectorSourceKey instead.
const VectorTextKey = "text"

// VectorSourceKey is the metadata field that carries the owner's canary of
// a record whose text is shared content: texts then collide across
// tenants (dedupe by text hash, a cache keyed by the text, a lookup by
// content meet them) while each record stays traceable to its owner.
const VectorSourceKey = "source"

// VectorOptions bound generated vector worlds.
type VectorOptions struct {
	Dim                    int    // vector dimension, default 8
	MinTenants, MaxTenants int    // default 2..4
	MaxRecords             int    // records per tenant, default 4
	MaxLegacy              int    // untagged records already in the default namespace, default 3 (-1: none)
	TenantKey              string // the metadata field that holds the tenant, default "tenant_id"
}

func (o *VectorOptions) defaults() {
	if o.Dim < 2 {
		o.Dim = 8
	}
	if o.MinTenants < 2 {
		o.MinTenants = 2
	}
	if o.MaxTenants < o.MinTenants {
		o.MaxTenants = max(o.MinTenants, 4)
	}
	if o.MaxRecords < 1 {
		o.MaxRecords = 4
	}
	if o.MaxLegacy < 0 {
		o.MaxLegacy = 0
	} else if o.MaxLegacy == 0 {
		o.MaxLegacy = 3
	}
	if o.TenantKey == "" {
		o.TenantKey = "tenant_id"
	}
}

// VectorTenant is one tenant as the application sees it: Key is the
// tenant id it receives (from a token or a subdomain), which may be hostile.
type VectorTenant struct {
	Index int
	Key   string
	Label string // T1, T2, ...
}

// VectorRecord is one generated record and its owner (the ground truth).
type VectorRecord struct {
	Tenant   int // index into VectorWorld.Tenants
	ID       string
	Values   []float32
	Metadata map[string]any
}

// VectorWorld is the ground truth of one vector check: tenants, the
// records each writes through the application, and legacy records already
// in the default namespace without a tenant tag (written before the
// application was multi-tenant), each with its owner.
type VectorWorld struct {
	Dim       int
	TenantKey string
	Tenants   []VectorTenant
	Records   []VectorRecord
	Legacy    []VectorRecord
}

// Label returns a tenant's label, "no tenant" for -1.
func (w *VectorWorld) Label(t int) string {
	if t < 0 || t >= len(w.Tenants) {
		return "no tenant"
	}
	return w.Tenants[t].Label
}

// Key returns a tenant's key, "" for -1 (a caller without a tenant).
func (w *VectorWorld) Key(t int) string {
	if t < 0 || t >= len(w.Tenants) {
		return ""
	}
	return w.Tenants[t].Key
}

// CanaryOwners returns the tenants whose canaries appear in s.
func (w *VectorWorld) CanaryOwners(s string) []int {
	var out []int
	for _, m := range canaryRE.FindAllStringSubmatch(s, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 && n <= len(w.Tenants) {
			out = append(out, n-1)
		}
	}
	return out
}

// hostileKeys are tenant ids that break naive namespace naming: non-ASCII
// only (stripped to nothing), whitespace, separators, the default
// namespace's name, case variants, a prefix collision and one too long.
var hostileKeys = []string{
	"東京", "ÄÖÜ", " ", "🙂", "Zoë", "tenant a", "a/b", "__default__", "T1", "t1", "50%",
	"tenant_" + tenantID(0), strings.ToUpper(tenantID(0)), strings.Repeat("x", 80),
}

// idPool holds record ids that tenants share, so ids collide across
// tenants, with separators, escapes and non-ASCII among them.
var idPool = []string{"doc-1", "doc-2", "doc-3", "chunk#1", "a/b", "a%2Fb", "100%", "résumé", "x y", "Doc-1"}

var (
	genres = []string{"drama", "comedy", "news"}
	years  = []float64{2019, 2020, 2021.5}
	tags   = []string{"a", "b", "c"}
)

// VectorWorldGen generates vector worlds: 2-4 tenants (some with hostile
// ids), records whose ids collide across tenants, whose vectors include
// near-duplicates of other tenants' vectors, and whose metadata carries
// strings, numbers, booleans, string lists, missing fields and, sometimes,
// the tenant field set to another tenant; plus legacy untagged records.
func VectorWorldGen(opts VectorOptions) *rapid.Generator[*VectorWorld] {
	opts.defaults()
	return rapid.Custom(func(t *rapid.T) *VectorWorld {
		n := rapid.IntRange(opts.MinTenants, opts.MaxTenants).Draw(t, "tenants")
		w := &VectorWorld{Dim: opts.Dim, TenantKey: opts.TenantKey}
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			key := tenantID(i)
			if rapid.IntRange(0, 3).Draw(t, "hostile T"+strconv.Itoa(i+1)) == 0 {
				if h := rapid.SampledFrom(hostileKeys).Draw(t, "key T"+strconv.Itoa(i+1)); !seen[h] {
					key = h
				}
			}
			seen[key] = true
			w.Tenants = append(w.Tenants, VectorTenant{Index: i, Key: key, Label: "T" + strconv.Itoa(i+1)})
		}
		serial := 0
		for k := range w.Tenants {
			ids := map[string]bool{}
			for j, m := 0, rapid.IntRange(1, opts.MaxRecords).Draw(t, "records of "+w.Tenants[k].Label); j < m; j++ {
				serial++
				id := vectorID(t, w, k)
				if ids[id] {
					continue
				}
				ids[id] = true
				w.Records = append(w.Records, VectorRecord{Tenant: k, ID: id, Values: nearOrFresh(t, w, k, serial), Metadata: VectorMetadataGen(w, k).Draw(t, "metadata")})
			}
		}
		for j, m := 0, rapid.IntRange(0, opts.MaxLegacy).Draw(t, "legacy"); j < m; j++ {
			serial++
			owner := rapid.IntRange(0, n-1).Draw(t, "legacy owner")
			id := rapid.SampledFrom([]string{"legacy-" + strconv.Itoa(j+1), "doc-1", "doc-2"}).Draw(t, "legacy id")
			dup := false
			for _, l := range w.Legacy {
				dup = dup || l.ID == id
			}
			if dup {
				continue
			}
			md := VectorMetadataGen(w, owner).Draw(t, "legacy metadata")
			delete(md, w.TenantKey)
			w.Legacy = append(w.Legacy, VectorRecord{Tenant: owner, ID: id, Values: nearOrFresh(t, w, owner, serial), Metadata: md})
		}
		return w
	})
}

// vectorID draws a record id: mostly from the shared pool, so ids collide
// across tenants, else unique to the tenant.
func vectorID(t *rapid.T, w *VectorWorld, k int) string {
	if rapid.IntRange(0, 3).Draw(t, "pooled id") > 0 {
		return rapid.SampledFrom(idPool).Draw(t, "id")
	}
	return fmt.Sprintf("%s-own-%d", strings.ToLower(w.Tenants[k].Label), rapid.IntRange(1, 9).Draw(t, "own id"))
}

// VectorGen generates non-zero vectors on a coarse grid (1/8 steps in
// [-1, 1]), so generated vectors are exact in float32 and reproducible.
func VectorGen(dim int) *rapid.Generator[[]float32] {
	return rapid.Custom(func(t *rapid.T) []float32 {
		v := make([]float32, dim)
		zero := true
		for i := range v {
			v[i] = float32(rapid.IntRange(-8, 8).Draw(t, "x")) / 8
			zero = zero && v[i] == 0
		}
		if zero {
			v[0] = 1
		}
		return v
	})
}

// nudge returns v moved by a small step in one coordinate: a near
// duplicate, distinct from v and from other nudges with another serial.
func nudge(t *rapid.T, v []float32, serial int) []float32 {
	out := append([]float32(nil), v...)
	i := rapid.IntRange(0, len(v)-1).Draw(t, "nudged coordinate")
	out[i] += float32(1+serial%13) / 1024
	return out
}

// nearOrFresh draws a record's vector: often a near duplicate of another
// tenant's vector (so that, for a query near that vector, a foreign record
// is closer than any of the tenant's own), else a fresh one.
func nearOrFresh(t *rapid.T, w *VectorWorld, k, serial int) []float32 {
	var foreign []VectorRecord
	for _, r := range w.Records {
		if r.Tenant != k {
			foreign = append(foreign, r)
		}
	}
	if len(foreign) > 0 && rapid.IntRange(0, 2).Draw(t, "near duplicate") == 0 {
		src := foreign[rapid.IntRange(0, len(foreign)-1).Draw(t, "duplicated record")]
		return nudge(t, src.Values, serial)
	}
	return VectorGen(w.Dim).Draw(t, "vector")
}

// VectorMetadataGen generates the metadata a tenant's caller sends: the
// canary text, or a shared text and the canary as its source; genre, year, draft and tags when drawn (missing
// otherwise); sometimes the tenant field, set to the tenant itself, to
// another tenant or to "".
func VectorMetadataGen(w *VectorWorld, k int) *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		md := map[string]any{}
		// A third of the records hold a text other tenants upload too,
		// mostly the first, so that tenants meet on it (the draws shrink
		// toward the tenant's own text).
		if rapid.IntRange(0, 2).Draw(t, "shared text") == 2 {
			item := 0
			if rapid.IntRange(0, 3).Draw(t, "shared item") == 3 {
				item = 1
			}
			md[VectorTextKey] = sharedContent[item]
			md[VectorSourceKey] = Canary(k)
		} else {
			md[VectorTextKey] = Canary(k) + " " + rapid.SampledFrom(words).Draw(t, "text")
		}
		if rapid.Bool().Draw(t, "has genre") {
			md["genre"] = rapid.SampledFrom(genres).Draw(t, "genre")
		}
		if rapid.Bool().Draw(t, "has year") {
			md["year"] = rapid.SampledFrom(years).Draw(t, "year")
		}
		if rapid.Bool().Draw(t, "has draft") {
			md["draft"] = rapid.Bool().Draw(t, "draft")
		}
		if rapid.Bool().Draw(t, "has tags") {
			var l []any
			for _, tg := range tags {
				if rapid.Bool().Draw(t, "tag "+tg) {
					l = append(l, tg)
				}
			}
			if len(l) > 0 {
				md["tags"] = l
			}
		}
		if rapid.IntRange(0, 3).Draw(t, "sets tenant field") == 0 {
			md[w.TenantKey] = rapid.SampledFrom(append(w.keys(), "")).Draw(t, "tenant field")
		}
		return md
	})
}

func (w *VectorWorld) keys() []string {
	out := make([]string, len(w.Tenants))
	for i, t := range w.Tenants {
		out[i] = t.Key
	}
	return out
}

// VectorFilterGen generates a caller's metadata filter (nil: none): every
// operator over the generated fields, $and / $or of two, the empty filter,
// and hostile clauses on the tenant field that name another tenant, negate
// the caller's own id or ask for records without the field.
func VectorFilterGen(w *VectorWorld, caller int) *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		if rapid.IntRange(0, 2).Draw(t, "no filter") == 0 {
			return nil
		}
		return w.filter(t, caller, 0)
	})
}

func (w *VectorWorld) filter(t *rapid.T, caller, depth int) map[string]any {
	other := w.Key(rapid.IntRange(0, len(w.Tenants)-1).Draw(t, "named tenant"))
	g := rapid.SampledFrom(genres).Draw(t, "filter genre")
	y := rapid.SampledFrom(years).Draw(t, "filter year")
	switch kind := rapid.IntRange(0, 15).Draw(t, "filter kind"); {
	case kind == 0:
		return map[string]any{}
	case kind == 1:
		return map[string]any{"genre": g}
	case kind == 2:
		return map[string]any{"genre": map[string]any{"$ne": g}}
	case kind == 3:
		return map[string]any{"year": map[string]any{rapid.SampledFrom([]string{"$gt", "$gte", "$lt", "$lte"}).Draw(t, "cmp"): y}}
	case kind == 4:
		return map[string]any{"genre": map[string]any{"$in": []any{g, "news"}}}
	case kind == 5:
		return map[string]any{"genre": map[string]any{"$nin": []any{g}}}
	case kind == 6:
		return map[string]any{"draft": map[string]any{"$exists": rapid.Bool().Draw(t, "exists")}}
	case kind == 7:
		return map[string]any{"tags": rapid.SampledFrom(tags).Draw(t, "filter tag")}
	case kind == 8:
		return map[string]any{"draft": rapid.Bool().Draw(t, "draft value")}
	case kind == 9:
		return map[string]any{w.TenantKey: other}
	case kind == 10:
		return map[string]any{w.TenantKey: map[string]any{"$ne": w.Key(caller)}}
	case kind == 11:
		return map[string]any{w.TenantKey: map[string]any{"$in": toAny(w.keys())}}
	case kind == 12:
		return map[string]any{w.TenantKey: map[string]any{"$exists": false}}
	case depth == 0 && kind == 13:
		return map[string]any{"$or": []any{map[string]any{w.TenantKey: other}, w.filter(t, caller, 1)}}
	case depth == 0:
		op := rapid.SampledFrom([]string{"$and", "$or"}).Draw(t, "logical")
		return map[string]any{op: []any{w.filter(t, caller, 1), w.filter(t, caller, 1)}}
	}
	return map[string]any{"genre": g}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// VectorOpKind names an application operation on vectors.
type VectorOpKind string

// Operation kinds.
const (
	OpQuery       VectorOpKind = "query"        // by vector, with filter and top_k
	OpQueryID     VectorOpKind = "query-id"     // by the id of a stored record
	OpFetch       VectorOpKind = "fetch"        // by ids
	OpList        VectorOpKind = "list"         // ids by prefix, paginated
	OpCount       VectorOpKind = "count"        // stats
	OpUpsert      VectorOpKind = "upsert"       // write records
	OpUpdate      VectorOpKind = "update"       // values and metadata of one id
	OpDelete      VectorOpKind = "delete"       // by ids
	OpDeleteWhere VectorOpKind = "delete-where" // by filter
	OpDeleteAll   VectorOpKind = "delete-all"   // all of the caller's records
)

// IsWrite reports whether the operation writes.
func (k VectorOpKind) IsWrite() bool {
	switch k {
	case OpUpsert, OpUpdate, OpDelete, OpDeleteWhere, OpDeleteAll:
		return true
	}
	return false
}

// VectorOp is one operation a caller runs through the application.
type VectorOp struct {
	Kind            VectorOpKind
	Caller          int    // tenant index; -1 is a caller without a tenant (an empty id)
	Near            string // what the query vector was drawn near, for reports
	Vector          []float32
	TopK            int
	Filter          map[string]any
	IncludeValues   bool
	IncludeMetadata bool
	IDs             []string       // fetch, delete, query-id (first), update (first)
	Prefix          string         // list
	Limit           int            // list page size
	Records         []VectorRecord // upsert
	Values          []float32      // update (nil: keep)
	Metadata        map[string]any // update's set_metadata
}

// VectorOpGen generates operations on w by any tenant or by a caller
// without one. learned are store ids the attacker has seen (raw ids of
// other tenants' records). With writes, half the operations write;
// otherwise one in five does.
func VectorOpGen(w *VectorWorld, learned []string, writes bool) *rapid.Generator[VectorOp] {
	return rapid.Custom(func(t *rapid.T) VectorOp {
		caller := rapid.IntRange(-1, len(w.Tenants)-1).Draw(t, "caller")
		if caller == -1 && rapid.IntRange(0, 2).Draw(t, "keep no tenant") > 0 {
			caller = rapid.IntRange(0, len(w.Tenants)-1).Draw(t, "caller")
		}
		op := VectorOp{Caller: caller}
		writeOdds := 4
		if writes {
			writeOdds = 1
		}
		if rapid.IntRange(0, writeOdds).Draw(t, "writes") == 0 {
			op.Kind = rapid.SampledFrom([]VectorOpKind{OpUpsert, OpUpsert, OpUpdate, OpUpdate, OpDelete, OpDeleteWhere, OpDeleteAll}).Draw(t, "write kind")
		} else {
			op.Kind = rapid.SampledFrom([]VectorOpKind{OpQuery, OpQuery, OpQuery, OpQueryID, OpFetch, OpFetch, OpList, OpCount}).Draw(t, "read kind")
		}
		switch op.Kind {
		case OpQuery:
			op.Vector, op.Near = w.queryVector(t, caller)
			op.TopK = rapid.IntRange(1, 12).Draw(t, "top_k")
			op.Filter = VectorFilterGen(w, caller).Draw(t, "filter")
			op.IncludeValues = rapid.Bool().Draw(t, "include values")
			op.IncludeMetadata = rapid.Bool().Draw(t, "include metadata")
		case OpQueryID:
			op.IDs = []string{w.probeID(t, caller, learned)}
			op.TopK = rapid.IntRange(1, 12).Draw(t, "top_k")
			op.Filter = VectorFilterGen(w, caller).Draw(t, "filter")
			op.IncludeValues, op.IncludeMetadata = true, rapid.Bool().Draw(t, "include metadata")
		case OpFetch, OpDelete:
			for i, n := 0, rapid.IntRange(1, 3).Draw(t, "ids"); i < n; i++ {
				op.IDs = append(op.IDs, w.probeID(t, caller, learned))
			}
		case OpList:
			op.Prefix = rapid.SampledFrom([]string{"", "", "doc", "a", "a/", "t", "legacy", "%", "r"}).Draw(t, "prefix")
			op.Limit = rapid.SampledFrom([]int{0, 1, 2, 100}).Draw(t, "page size")
		case OpUpsert:
			for i, n := 0, rapid.IntRange(1, 2).Draw(t, "upserts"); i < n; i++ {
				id := w.probeID(t, caller, learned)
				op.Records = append(op.Records, VectorRecord{Tenant: caller, ID: id, Values: nearOrFresh(t, w, w.writer(caller), 100+i), Metadata: VectorMetadataGen(w, w.writer(caller)).Draw(t, "metadata")})
			}
		case OpUpdate:
			op.IDs = []string{w.probeID(t, caller, learned)}
			if rapid.Bool().Draw(t, "update values") {
				op.Values = VectorGen(w.Dim).Draw(t, "new values")
			}
			op.Metadata = VectorMetadataGen(w, w.writer(caller)).Draw(t, "set metadata")
		case OpDeleteWhere:
			op.Filter = VectorFilterGen(w, caller).Draw(t, "filter")
		}
		return op
	})
}

// writer is the canary index of what a caller writes: its tenant's, or,
// for a caller without a tenant, one past the last tenant (a canary no
// tenant owns).
func (w *VectorWorld) writer(caller int) int {
	if caller < 0 {
		return len(w.Tenants)
	}
	return caller
}

// queryVector draws a query vector: mostly a near duplicate of another
// tenant's record (the adversarial case: a foreign record is closer than
// any of the caller's own), sometimes near an own record, else fresh.
func (w *VectorWorld) queryVector(t *rapid.T, caller int) ([]float32, string) {
	all := append(append([]VectorRecord(nil), w.Records...), w.Legacy...)
	var foreign, own []VectorRecord
	for _, r := range all {
		if r.Tenant == caller {
			own = append(own, r)
		} else {
			foreign = append(foreign, r)
		}
	}
	switch rapid.IntRange(0, 5).Draw(t, "query near") {
	case 0:
		return VectorGen(w.Dim).Draw(t, "query vector"), "a fresh vector"
	case 1:
		if len(own) > 0 {
			r := own[rapid.IntRange(0, len(own)-1).Draw(t, "own target")]
			return nudge(t, r.Values, 7), fmt.Sprintf("%s's own %q", w.Label(r.Tenant), r.ID)
		}
	}
	if len(foreign) == 0 {
		return VectorGen(w.Dim).Draw(t, "query vector"), "a fresh vector"
	}
	r := foreign[rapid.IntRange(0, len(foreign)-1).Draw(t, "foreign target")]
	return nudge(t, r.Values, 11), fmt.Sprintf("%s's %q", w.Label(r.Tenant), r.ID)
}

// probeID draws an id for a by-id operation: the caller's own, another
// tenant's (colliding), a legacy one, a learned store id, a fresh one or
// the empty id.
func (w *VectorWorld) probeID(t *rapid.T, caller int, learned []string) string {
	var own, foreign []string
	for _, r := range w.Records {
		if r.Tenant == caller {
			own = append(own, r.ID)
		} else {
			foreign = append(foreign, r.ID)
		}
	}
	for _, r := range w.Legacy {
		foreign = append(foreign, r.ID)
	}
	learned = slices.Sorted(slices.Values(learned))
	pools := [][]string{own, foreign, foreign, learned, learned, idPool, {"fresh-1", "fresh-2", ""}}
	for {
		p := pools[rapid.IntRange(0, len(pools)-1).Draw(t, "id source")]
		if len(p) > 0 {
			return rapid.SampledFrom(p).Draw(t, "probe id")
		}
	}
}
