package app

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Rejections: the repository refusing a request is the system doing its
// job, not a failure.
var (
	ErrNoTenant      = errors.New("no tenant: the request carries no tenant id")
	ErrInvalidTenant = errors.New("invalid tenant id")
	ErrInvalidID     = errors.New("invalid record id")
	ErrEmptyFilter   = errors.New("delete by filter needs a filter: use DeleteAll to delete every record")
)

// IsRejection reports whether err is the repository (or the store, for a
// record that does not exist) refusing the request.
func IsRejection(err error) bool {
	return errors.Is(err, ErrNoTenant) || errors.Is(err, ErrInvalidTenant) || errors.Is(err, ErrInvalidID) ||
		errors.Is(err, ErrEmptyFilter) || store.IsNotFound(err)
}

// Op tells a scoping hook which kind of call it serves.
type Op string

// Call kinds.
const (
	OpWrite Op = "write" // upsert, delete by filter, delete all
	OpRead  Op = "read"  // query by vector, list, count
	OpByID  Op = "by-id" // fetch, query by id, update, delete by ids
)

// Scoping is how a repository confines a tenant. Each hook is one step an
// application gets right or wrong; mutants replace one.
type Scoping struct {
	// Namespace is where the tenant's records live.
	Namespace func(tenant string, op Op) (string, error)
	// StoredID maps a caller's record id to the store's id.
	StoredID func(tenant, id string, op Op) (string, error)
	// ClientID maps a store id back to the caller's id.
	ClientID func(tenant, stored string) string
	// StoredPrefix maps a caller's list prefix to the store's.
	StoredPrefix func(tenant, prefix string) (string, error)
	// TenantFilter is the filter that confines reads to the tenant (nil
	// hook: none, the namespace does it).
	TenantFilter func(tenant string) (store.Filter, error)
	// Compose joins the tenant filter and the caller's filter.
	Compose func(tenantFilter, caller store.Filter) store.Filter
	// Tag builds the stored metadata (and an update's set_metadata) from
	// the caller's.
	Tag func(tenant string, md store.Metadata) store.Metadata
}

// Limits of the reference repository: a tenant prefix (at most 3*64
// bytes escaped), the separator and an escaped id stay within Pinecone's
// 512-character identifiers.
const (
	MaxTenantBytes    = 64
	MaxEscapedIDBytes = 512 - 3*MaxTenantBytes - 1
)

// CheckTenant validates a tenant id: present, at most 64 bytes, UTF-8,
// without control characters.
func CheckTenant(t string) error {
	if t == "" {
		return ErrNoTenant
	}
	if len(t) > MaxTenantBytes || !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w %q: at most %d bytes of UTF-8 without control characters", ErrInvalidTenant, t, MaxTenantBytes)
	}
	return nil
}

// CheckID validates a caller's record id: UTF-8, not empty, at most 319
// bytes once escaped.
func CheckID(id string) error {
	if id == "" || len(Escape(id)) > MaxEscapedIDBytes || !utf8.ValidString(id) {
		return fmt.Errorf("%w %q: UTF-8, not empty, at most %d bytes escaped", ErrInvalidID, id, MaxEscapedIDBytes)
	}
	return nil
}

// Escape renders a tenant or record id in the ASCII Pinecone requires,
// injectively and prefix-preservingly: every byte outside [A-Za-z0-9-._~]
// and a few others becomes %XX, "/" and "%" included, so "/" can separate a
// tenant from an id.
func Escape(s string) string { return url.PathEscape(s) }

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// NamespaceOf is the reference namespace of a tenant: tenant_ and its
// escaped id, never the default namespace.
func NamespaceOf(tenant string) string { return "tenant_" + Escape(tenant) }

// SharedNamespaceName is where the shared mode keeps every tenant: the
// default namespace.
const SharedNamespaceName = ""

// Reference returns the reference scoping of a mode.
func Reference(mode Mode, tenantKey string) Scoping {
	s := Scoping{
		ClientID: func(_, stored string) string { return unescape(stored) },
		Compose:  compose,
		Tag:      func(_ string, md store.Metadata) store.Metadata { return copyMeta(md) },
	}
	switch mode {
	case SharedNamespace:
		s.Namespace = func(t string, _ Op) (string, error) { return SharedNamespaceName, CheckTenant(t) }
		s.StoredID = func(t, id string, _ Op) (string, error) {
			if err := CheckTenant(t); err != nil {
				return "", err
			}
			return Escape(t) + "/" + Escape(id), CheckID(id)
		}
		s.ClientID = func(t, stored string) string { return unescape(strings.TrimPrefix(stored, Escape(t)+"/")) }
		s.StoredPrefix = func(t, p string) (string, error) { return Escape(t) + "/" + Escape(p), CheckTenant(t) }
		s.TenantFilter = func(t string) (store.Filter, error) {
			return store.Filter{tenantKey: map[string]any{"$eq": t}}, CheckTenant(t)
		}
		s.Tag = func(t string, md store.Metadata) store.Metadata {
			out := copyMeta(md)
			out[tenantKey] = t // after the caller's fields: the caller cannot set it
			return out
		}
	default:
		s.Namespace = func(t string, _ Op) (string, error) { return NamespaceOf(t), CheckTenant(t) }
		s.StoredID = func(t, id string, _ Op) (string, error) { return Escape(id), CheckID(id) }
		s.StoredPrefix = func(_, p string) (string, error) { return Escape(p), nil }
	}
	return s
}

// compose ANDs the tenant filter with the caller's; a nil tenant filter
// (namespace mode) leaves the caller's as is.
func compose(tenant, caller store.Filter) store.Filter {
	switch {
	case tenant == nil:
		return caller
	case len(caller) == 0:
		return tenant
	}
	return store.Filter{"$and": []any{tenant, caller}}
}

func copyMeta(md store.Metadata) store.Metadata {
	out := make(store.Metadata, len(md)+1)
	for k, v := range md {
		out[k] = v
	}
	return out
}
