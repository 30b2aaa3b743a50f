package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"pgregory.net/rapid"
)

// IDs are a world's document and chunk ids, by tenant.
type IDs struct {
	Docs, Chunks [][]string
}

// WorldIDs collects the ids of w's documents and chunks by tenant.
func WorldIDs(w *generators.World) IDs {
	ids := IDs{Docs: make([][]string, len(w.Tenants)), Chunks: make([][]string, len(w.Tenants))}
	for _, r := range w.Rows {
		if r.Global {
			continue
		}
		id := uuidIn.FindString(r.Values["id"])
		switch {
		case id == "":
		case r.Table.Name == "documents":
			ids.Docs[r.Tenant] = append(ids.Docs[r.Tenant], id)
		case r.Table.Name == "document_chunks":
			ids.Chunks[r.Tenant] = append(ids.Chunks[r.Tenant], id)
		}
	}
	return ids
}

// endpoints are drawn uniformly from this list: the list and the get of
// a foreign id (where most leaks show) twice.
var endpoints = []string{EpList, EpList, EpListParam, EpSearch, EpGetOwn, EpGetForeign, EpGetForeign, EpGetMissing, EpChunkOwn, EpChunkForeign,
	EpChunkMissing, EpChunksOf, EpCreate, EpUpdateOwn, EpUpdateForeign, EpDeleteOwn, EpDeleteForeign}

// DrawRequest generates the i-th request of a check on world w: a random
// tenant (the viewer) with its genuine token (HS256 or RS256, 70 %) or a
// hostile credential (HostileCredentials), maybe an X-Tenant-Id header
// naming another tenant, maybe a Host under zone (the viewer's or another
// tenant's, plain or bent: case, port, trailing dot, extra labels,
// look-alikes, another zone), and one endpoint with own, foreign or
// missing ids, a query parameter or a body with or without tenant_id.
func DrawRequest(t *rapid.T, w *generators.World, ids IDs, keys Keys, zone string, i int) (*Request, error) {
	n := len(w.Tenants)
	label := func(s string) string { return fmt.Sprintf("%s %d", s, i+1) }
	q := &Request{Viewer: rapid.IntRange(0, n-1).Draw(t, label("viewer")), Foreign: -1}
	other := (q.Viewer + 1 + rapid.IntRange(0, n-2).Draw(t, label("other"))) % n
	own, foreignID := w.TenantID(q.Viewer), w.TenantID(other)
	kind := Valid
	if keys.RS256 != nil && rapid.Bool().Draw(t, label("rs256?")) {
		kind = ValidRS
	}
	if chance(t, 30, label("hostile?")) {
		kind = oneOf(t, HostileCredentials, label("credential"))
	}
	var err error
	if q.Cred, err = keys.Mint(kind, own, foreignID, time.Now()); err != nil {
		return nil, err
	}
	if kind == AlgNone || kind == WrongKey || kind == Forged || kind == AlgConfusion {
		q.Foreign, q.Reaches = other, true
	}
	if chance(t, 30, label("header?")) {
		q.Header, q.Foreign, q.Reaches = foreignID, other, true
	}
	if zone != "" && chance(t, 40, label("host?")) {
		target := q.Viewer
		if rapid.Bool().Draw(t, label("foreign host?")) {
			target = other
		}
		var names bool
		q.Host, q.HostNote, names = drawHost(t, w, target, zone, label)
		if target != q.Viewer && names {
			q.Foreign, q.Reaches = other, true
		}
	}
	pick := func(list [][]string, k int, what string) (string, bool) {
		if len(list[k]) == 0 {
			return "", false
		}
		return rapid.SampledFrom(list[k]).Draw(t, label(what)), true
	}
	foreignRef := func() { q.Foreign, q.Reaches = other, true }
	othersHold := func(list [][]string) {
		for k, d := range list {
			if k != q.Viewer && len(d) > 0 {
				q.Reaches = true
			}
		}
	}
	q.Endpoint = oneOf(t, endpoints, label("endpoint"))
	q.Method = http.MethodGet
	switch q.Endpoint {
	case EpList:
		q.Path = "/documents"
		othersHold(ids.Docs)
	case EpListParam:
		q.Path = "/documents?tenant_id=" + foreignID
		foreignRef()
	case EpSearch:
		term := rapid.SampledFrom([]string{generators.Canary(q.Viewer), generators.Canary(other), "tf:"}).Draw(t, label("search term"))
		q.Path = "/search?q=" + url.QueryEscape(term)
		othersHold(ids.Docs)
	case EpGetOwn, EpGetForeign, EpGetMissing, EpUpdateOwn, EpUpdateForeign, EpDeleteOwn, EpDeleteForeign, EpChunksOf:
		k := q.Viewer
		if strings.HasSuffix(q.Endpoint, "-foreign") || q.Endpoint == EpChunksOf && rapid.Bool().Draw(t, label("foreign document?")) {
			k = other
		}
		id, ok := pick(ids.Docs, k, "id")
		switch {
		case q.Endpoint == EpGetMissing || !ok:
			id = MissingID(i)
			if strings.HasPrefix(q.Endpoint, "get") {
				q.Endpoint = EpGetMissing
			}
		case k != q.Viewer:
			foreignRef()
		}
		q.Path = "/documents/" + id
		switch {
		case q.Endpoint == EpChunksOf:
			q.Path += "/chunks"
		case strings.HasPrefix(q.Endpoint, "update"):
			q.Method = http.MethodPatch
			title := "updated by " + generators.Canary(q.Viewer)
			q.Body, _ = json.Marshal(DocumentPatch{Title: &title})
		case strings.HasPrefix(q.Endpoint, "delete"):
			q.Method = http.MethodDelete
		}
	case EpChunkOwn, EpChunkForeign, EpChunkMissing:
		k := q.Viewer
		if q.Endpoint == EpChunkForeign {
			k = other
		}
		id, ok := pick(ids.Chunks, k, "chunk id")
		switch {
		case q.Endpoint == EpChunkMissing || !ok:
			id, q.Endpoint = MissingID(i), EpChunkMissing
		case k != q.Viewer:
			foreignRef()
		}
		q.Path = "/chunks/" + id
	case EpCreate:
		q.Method = http.MethodPost
		q.Path = "/documents"
		nd := NewDocument{Title: "created by " + generators.Canary(q.Viewer)}
		switch oneOf(t, []int{0, 1, 2}, label("body tenant")) {
		case 1:
			nd.TenantID = &own
		case 2:
			nd.TenantID = &foreignID
			foreignRef()
		}
		q.Body, _ = json.Marshal(nd)
	}
	return q, nil
}

// drawHost draws a Host naming tenant k under zone, plain or bent. names
// reports whether the host still names k (plain, case, port, trailing
// dot: the same host to DNS); the others (extra labels, an ASCII
// look-alike, another zone) name no tenant.
func drawHost(t *rapid.T, w *generators.World, k int, zone string, label func(string) string) (string, string, bool) {
	host := HostOf(k, zone)
	variant := oneOf(t, []string{"port", "upper", "upper-port", "dot-port", "capitalised", "trailing-dot", "plain",
		"extra-label", "look-alike", "other-zone", "zone-suffix"}, label("host variant"))
	port := fmt.Sprint(rapid.SampledFrom([]int{80, 443, 8443}).Draw(t, label("port")))
	note := fmt.Sprintf("%s host of %s", variant, w.Tenants[k].Label)
	switch variant {
	case "plain":
		return host, note, true
	case "upper":
		return strings.ToUpper(host), note, true
	case "capitalised":
		return strings.ToUpper(host[:1]) + host[1:], note, true
	case "trailing-dot":
		return host + ".", note, true
	case "port":
		return host + ":" + port, note, true
	case "upper-port":
		return strings.ToUpper(host) + ":" + port, note, true
	case "dot-port":
		return strings.ToUpper(host[:1]) + host[1:] + ".:" + port, note, true
	case "extra-label":
		return rapid.SampledFrom([]string{"evil", "www", Slug((k + 1) % len(w.Tenants))}).Draw(t, label("extra label")) + "." + host, note, false
	case "look-alike":
		return strings.ReplaceAll(Slug(k), "1", "l") + "x." + zone, note, false // acme-l, acme-2x: another slug
	case "other-zone":
		return Slug(k) + ".evil.test", note, false
	}
	return host + ".evil.test", note, false
}

// MissingID is a well-formed id no generated row carries.
func MissingID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", 900000+i) }

// oneOf draws an element of list about uniformly (rapid.SampledFrom
// favours the first elements strongly); it still shrinks towards the
// first.
func oneOf[T any](t *rapid.T, list []T, label string) T {
	return list[rapid.IntRange(0, 1<<20-1).Draw(t, label)%len(list)]
}

// chance is true with about pct percent probability (false when shrunk).
func chance(t *rapid.T, pct int, label string) bool {
	return rapid.IntRange(0, 1<<20-1).Draw(t, label)%100 >= 100-pct
}
