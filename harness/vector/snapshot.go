package vector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// rawRecord is a record as the administrator reads it from the index.
type rawRecord struct {
	NS, ID string
	Values []float32
	Meta   store.Metadata
	Owners []int
}

func (r rawRecord) String() string {
	return fmt.Sprintf("%s/%s", store.CanonNamespace(r.NS), r.ID)
}

// snapshot reads every record of every namespace (all list pages, fetched
// a thousand at a time) and attributes each to its owners.
func snapshot(ctx context.Context, s store.Store, tr *truth) ([]rawRecord, error) {
	names, err := s.Namespaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("snapshot the index: %w", err)
	}
	sort.Strings(names)
	var out []rawRecord
	for _, ns := range names {
		var ids []string
		for token, pages := "", 0; ; pages++ {
			pg, err := s.List(ctx, ns, "", 0, token)
			if err != nil {
				return nil, fmt.Errorf("snapshot namespace %q: %w", ns, err)
			}
			ids = append(ids, pg.IDs...)
			if token = pg.Next; token == "" || pages > 1000 {
				break
			}
		}
		for i := 0; i < len(ids); i += 1000 {
			got, err := s.Fetch(ctx, ns, ids[i:min(i+1000, len(ids))])
			if err != nil {
				return nil, fmt.Errorf("snapshot namespace %q: %w", ns, err)
			}
			for _, id := range ids[i:min(i+1000, len(ids))] {
				if r, ok := got[id]; ok {
					out = append(out, rawRecord{NS: store.CanonNamespace(ns), ID: id, Values: r.Values, Meta: r.Metadata, Owners: tr.owners(r.Values, r.Metadata)})
				}
			}
		}
	}
	return out, nil
}

// digests hashes, per tenant, the records attributed to it: namespace, id,
// values and metadata. A write by one tenant may change only its own.
func digests(recs []rawRecord) map[int]string {
	lines := map[int][]string{}
	for _, r := range recs {
		md, _ := json.Marshal(r.Meta) // map keys are sorted: stable
		line := fmt.Sprintf("%s\x00%s\x00%v\x00%s", r.NS, r.ID, r.Values, md)
		for _, o := range r.Owners {
			lines[o] = append(lines[o], line)
		}
	}
	out := map[int]string{}
	for o, ls := range lines {
		sort.Strings(ls)
		h := sha256.New()
		for _, l := range ls {
			h.Write([]byte(l))
			h.Write([]byte{'\n'})
		}
		out[o] = fmt.Sprintf("%d:%s", len(ls), hex.EncodeToString(h.Sum(nil))[:16])
	}
	return out
}

// changedFor lists what differs for one tenant between two snapshots:
// records of it that appeared, disappeared or changed.
func changedFor(before, after []rawRecord, tenant int) []string {
	index := func(recs []rawRecord) map[string]rawRecord {
		m := map[string]rawRecord{}
		for _, r := range recs {
			for _, o := range r.Owners {
				if o == tenant {
					m[r.String()] = r
				}
			}
		}
		return m
	}
	b, a := index(before), index(after)
	var out []string
	for k, r := range b {
		n, ok := a[k]
		switch {
		case !ok:
			out = append(out, "removed or taken over: "+k)
		case fmt.Sprint(n.Values, n.Meta) != fmt.Sprint(r.Values, r.Meta):
			out = append(out, "changed: "+k+describeChange(r, n))
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, "appeared: "+k)
		}
	}
	sort.Strings(out)
	return out
}

func describeChange(before, after rawRecord) string {
	s := ""
	if fmt.Sprint(before.Values) != fmt.Sprint(after.Values) {
		s += " (values replaced)"
	}
	if fmt.Sprint(before.Meta) != fmt.Sprint(after.Meta) {
		s += " (metadata changed)"
	}
	return s
}

// storeIDs lists every stored id in the snapshot, sorted: what an attacker
// who learned other tenants' store ids would try.
func storeIDs(recs []rawRecord) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}
