package router

import (
	"errors"
	"testing"
)

func TestCanonicalHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"acme-1.example.test", "acme-1.example.test"},
		{"ACME-1.Example.TEST", "acme-1.example.test"},
		{"acme-1.example.test.", "acme-1.example.test"},
		{"acme-1.example.test:8443", "acme-1.example.test"},
		{"Acme-1.example.test.:443", "acme-1.example.test"},
	} {
		got, err := CanonicalHost(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CanonicalHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", ".", ":443", "acme.example.test:", "acme.example.test:http", "acme.example.test:99999",
		"acme..example.test", "acme.example.test..", " acme.example.test", "acme.example.test@evil.test",
		"\u212aite.example.test",       // Kelvin sign: strings.ToLower makes it k
		"\u017fales.example.test",      // long s: strings.EqualFold matches s
		"enterpr\u0456se.example.test", // Cyrillic i
		"acme\u200b.example.test",      // zero-width space
		"-acme.example.test", "acme-.example.test", "acme_1.example.test",
	} {
		if got, err := CanonicalHost(in); !errors.Is(err, ErrUnknownHost) {
			t.Errorf("CanonicalHost(%q) = %q, %v; want ErrUnknownHost", in, got, err)
		}
	}
}

func TestWildcardSlug(t *testing.T) {
	for _, tc := range []struct {
		host, slug string
		ok         bool
	}{
		{"acme.example.test", "acme", true},
		{"evil.enterprise-client.example.test", "", false},
		{"example.test", "", false},
		{"acme.example.test.evil.test", "", false},
		{"acmeexample.test", "", false},
	} {
		slug, ok := WildcardSlug(tc.host, DefaultZone)
		if slug != tc.slug || ok != tc.ok {
			t.Errorf("WildcardSlug(%q) = %q, %v; want %q, %v", tc.host, slug, ok, tc.slug, tc.ok)
		}
	}
}

func TestHostileVariantsOfTheReferenceNameAtMostTheirTenant(t *testing.T) {
	// The generator's ground truth and the reference reading agree on the
	// name-preserving variants; the others never canonicalise to the host.
	host := "enterprise-client-1.example.test"
	for _, v := range []string{capitalise(host), host + ".", host + ":443", capitalise(host) + ".:8443"} {
		if got, err := CanonicalHost(v); err != nil || got != host {
			t.Errorf("%q: got %q, %v", v, got, err)
		}
	}
}
