package app_test

import (
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/app"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// The shared mode's store ids must be injective over (tenant, id) and keep
// every tenant's ids under a prefix no other tenant's ids start with, for
// the hostile tenant and record ids the generators draw.
func TestSharedStoreIDsAreInjectiveAndPrefixed(t *testing.T) {
	s := app.Reference(app.SharedNamespace, "tenant_id")
	tenants := []string{"a", "a/b", "a%2Fb", "A", "東京", "tenant a", "__default__", "50%", "7e4a0000-0000-4000-8000-000000000001"}
	ids := []string{"doc-1", "a/b", "a%2Fb", "b", "b/doc-1", "résumé", "x y", "100%", "/", "%"}
	seen := map[string]string{}
	for _, tn := range tenants {
		prefix, err := s.StoredPrefix(tn, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			sid, err := s.StoredID(tn, id, app.OpWrite)
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := seen[sid]; ok {
				t.Errorf("store id %q for both %s and %s/%s", sid, prev, tn, id)
			}
			seen[sid] = tn + "/" + id
			for c := range len(sid) {
				if sid[c] > 0x7f {
					t.Errorf("store id %q is not ASCII", sid)
				}
			}
			if !strings.HasPrefix(sid, prefix) {
				t.Errorf("store id %q not under its tenant's prefix %q", sid, prefix)
			}
			if got := s.ClientID(tn, sid); got != id {
				t.Errorf("ClientID(%q, %q) = %q, want %q", tn, sid, got, id)
			}
			for _, other := range tenants {
				if op, _ := s.StoredPrefix(other, ""); other != tn && strings.HasPrefix(sid, op) {
					t.Errorf("store id %q of %s lies under %s's prefix %q", sid, tn, other, op)
				}
			}
		}
	}
}

func TestReferenceRefusesWhatItCannotScope(t *testing.T) {
	for _, mode := range app.Modes {
		s := app.Reference(mode, "tenant_id")
		for _, tn := range []string{"", strings.Repeat("x", 65), "bad\x00id", "\xff"} {
			if _, err := s.Namespace(tn, app.OpRead); !app.IsRejection(err) {
				t.Errorf("%s: namespace of tenant %q: %v, want a rejection", mode, tn, err)
			}
		}
		if _, err := s.StoredID("t", "", app.OpWrite); !app.IsRejection(err) {
			t.Errorf("%s: the empty id was accepted", mode)
		}
		if ns, _ := s.Namespace("t", app.OpRead); store.CanonNamespace(ns) == store.DefaultNamespace && mode == app.NamespacePerTenant {
			t.Errorf("a tenant got the default namespace")
		}
	}
}

func TestSharedModeComposesAndTags(t *testing.T) {
	s := app.Reference(app.SharedNamespace, "tenant_id")
	tf, err := s.TenantFilter("T")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Compose(tf, nil); len(got) != 1 || got["tenant_id"] == nil {
		t.Errorf("compose with no caller filter = %v", got)
	}
	if got := s.Compose(tf, store.Filter{"tenant_id": "U"}); got["$and"] == nil {
		t.Errorf("compose with a caller filter = %v, want $and", got)
	}
	if md := s.Tag("T", store.Metadata{"tenant_id": "U", "x": "y"}); md["tenant_id"] != "T" || md["x"] != "y" {
		t.Errorf("tag = %v: the caller set the tenant field", md)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range app.Modes {
		if got, err := app.ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := app.ParseMode("dedicated"); err == nil {
		t.Error("ParseMode accepted an unknown mode")
	}
}
