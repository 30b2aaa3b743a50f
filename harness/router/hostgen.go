package router

import (
	"strconv"
	"strings"

	"pgregory.net/rapid"
)

// hostCall is one generated request: its Host header, the tenant the
// generator knows it names (-1: none), and whether it writes.
type hostCall struct {
	Host    string
	Variant string
	Names   int
	Write   bool
}

// confusables maps ASCII letters to characters that look like them (or
// fold to them: the Kelvin sign lowers to k, the long s folds to s,
// fullwidth letters NFKC-normalise to ASCII).
var confusables = map[byte]string{
	'a': "\u0430", 'c': "\u0441", 'e': "\u0435", 'i': "\u0456", 'o': "\u043e",
	'p': "\u0440", 's': "\u017f", 'k': "\u212a", 'l': "\u217c", 'n': "\uff4e", 't': "\uff54",
}

// plainCallGen draws requests with the hosts a browser sends: a tenant's
// own host (any tier), or a slug no tenant has.
func plainCallGen(w *world, zone string) *rapid.Generator[hostCall] {
	return rapid.Custom(func(t *rapid.T) hostCall {
		c := hostCall{Variant: "plain", Names: -1, Write: rapid.Bool().Draw(t, "write")}
		i := rapid.IntRange(0, len(w.tenants)).Draw(t, "tenant")
		if i == len(w.tenants) {
			c.Host, c.Variant = "nosuch-"+strconv.Itoa(rapid.IntRange(1, 9).Draw(t, "unknown slug"))+"."+zone, "unknown-slug"
			return c
		}
		c.Host, c.Names = w.tenants[i].Host, i
		return c
	})
}

// hostileCallGen draws requests whose Host is a tenant's host bent by one
// of the tricks of docs/leaks.md entry 39: name-preserving ones (case, trailing dot,
// port) still name that tenant; the others (extra labels, another zone,
// look-alike letters, empty, double dot, userinfo) name none.
func hostileCallGen(w *world, zone string) *rapid.Generator[hostCall] {
	return rapid.Custom(func(t *rapid.T) hostCall {
		i := rapid.IntRange(0, len(w.tenants)-1).Draw(t, "tenant")
		tn := w.tenants[i]
		c := hostCall{Names: -1, Write: rapid.Bool().Draw(t, "write")}
		c.Variant = rapid.SampledFrom([]string{"upper", "capitalised", "trailing-dot", "port", "dot-port",
			"extra-label", "other-zone", "zone-suffix", "look-alike", "empty", "double-dot", "userinfo"}).Draw(t, "variant")
		port := strconv.Itoa(rapid.SampledFrom([]int{80, 443, 8443, 5432}).Draw(t, "port"))
		switch c.Variant {
		case "upper":
			c.Host, c.Names = strings.ToUpper(tn.Host), i
		case "capitalised":
			c.Host, c.Names = capitalise(tn.Host), i
		case "trailing-dot":
			c.Host, c.Names = tn.Host+".", i
		case "port":
			c.Host, c.Names = tn.Host+":"+port, i
		case "dot-port":
			c.Host, c.Names = capitalise(tn.Host)+".:"+port, i
		case "extra-label":
			label := rapid.SampledFrom([]string{"evil", "www", w.tenants[(i+1)%len(w.tenants)].Slug}).Draw(t, "label")
			c.Host = label + "." + tn.Host
		case "other-zone":
			c.Host = tn.Slug + ".evil.test"
		case "zone-suffix":
			c.Host = tn.Host + ".evil.test"
		case "look-alike":
			c.Host = lookAlike(t, tn.Slug) + "." + zone
		case "empty":
			c.Host = ""
		case "double-dot":
			c.Host = tn.Slug + ".." + zone
		case "userinfo":
			c.Host = tn.Host + "@evil.test"
		}
		return c
	})
}

// capitalise upper-cases the first letter of every label.
func capitalise(h string) string {
	labels := strings.Split(h, ".")
	for i, l := range labels {
		if l != "" {
			labels[i] = strings.ToUpper(l[:1]) + l[1:]
		}
	}
	return strings.Join(labels, ".")
}

// lookAlike replaces one letter of the slug that has a confusable.
func lookAlike(t *rapid.T, slug string) string {
	var at []int
	for j := 0; j < len(slug); j++ {
		if _, ok := confusables[slug[j]]; ok {
			at = append(at, j)
		}
	}
	if len(at) == 0 {
		return slug + "\u200b" // a zero-width space: invisible, and no label
	}
	j := rapid.SampledFrom(at).Draw(t, "look-alike letter")
	return slug[:j] + confusables[slug[j]] + slug[j+1:]
}
