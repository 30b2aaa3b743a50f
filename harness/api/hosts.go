package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

// DefaultZone is the zone whose subdomains name tenants by slug.
const DefaultZone = "myapp.test"

// Slug is the slug the API layer gives tenant i of a world (Env.Load sets
// it): a DNS label, so acme-1.myapp.test names the first tenant.
func Slug(i int) string { return fmt.Sprintf("acme-%d", i+1) }

// HostOf is the host that names tenant i under zone.
func HostOf(i int, zone string) string { return Slug(i) + "." + zone }

func (s *Service) zone() string {
	if s.Zone == "" {
		return DefaultZone
	}
	return s.Zone
}

// HostTenant is the reference reading of the Host (the second tenancy
// mode, the guide's acme.myapp.com): the Host is canonicalised as DNS
// reads it (router.CanonicalHost: ASCII case folded, one port and one
// trailing dot removed; anything else, look-alikes included, is no host).
// A canonical host outside the zone (the service's own address) leaves the
// tenant to the token. Under the zone it must be exactly one label, a
// tenant's slug (404 otherwise: extra labels, unknown slugs, bent
// spellings), and that tenant must be the token's (403 otherwise): the
// token authenticates, the Host names, and both must agree.
func HostTenant(ctx context.Context, s *Service, host, claim string) (string, int) {
	h, err := router.CanonicalHost(host)
	if err != nil {
		return "", http.StatusNotFound
	}
	if h != s.zone() && !hasSuffixLabel(h, s.zone()) {
		return claim, 0
	}
	slug, ok := router.WildcardSlug(h, s.zone())
	if !ok {
		return "", http.StatusNotFound
	}
	id, err := s.TenantBySlug(ctx, slug)
	if err != nil {
		return "", http.StatusNotFound
	}
	if id != claim {
		return "", http.StatusForbidden
	}
	return id, 0
}

func hasSuffixLabel(h, zone string) bool {
	return len(h) > len(zone)+1 && h[len(h)-len(zone)-1:] == "."+zone
}

// errNoTenant: no tenant has the slug.
var errNoTenant = errors.New("no tenant with this slug")

// TenantBySlug looks the slug up in the control plane (the tenants table,
// through the Owner pool): the tenant's id, or errNoTenant.
func (s *Service) TenantBySlug(ctx context.Context, slug string) (string, error) {
	var id string
	err := s.Owner.QueryRow(ctx, "SELECT id::text FROM tenants WHERE slug = $1", slug).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errNoTenant
	}
	return id, err
}
