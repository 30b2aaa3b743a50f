package router

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Tiers of the reference schema's tenants.tier.
const (
	TierShared    = "shared"
	TierDedicated = "dedicated"
)

// SharedDB is the name of the shared database; dedicated ones are
// "dedicated-1", "dedicated-2", ...
const SharedDB = "shared"

// Tenant is one directory entry: a row of the shared database's tenants
// table.
type Tenant struct {
	ID, Slug, Tier string
}

// Key names a directory entry: by tenant id (an enterprise host rule) or by
// slug (the wildcard rule). Fold compares the slug case-insensitively.
type Key struct {
	ID, Slug string
	Fold     bool
}

// Hooks are the steps of routing, as fields (in the style of pgxpool.Config)
// so that mutants replace one step and keep the others.
type Hooks struct {
	// Canonical reads the Host header (reference: CanonicalHost).
	Canonical func(host string) (string, error)
	// Key maps a canonical host to a directory key: an enterprise host rule
	// gives its tenant id, else the wildcard rule gives the slug.
	Key func(r *Router, host string) (Key, error)
	// Database picks the tenant's database by tier; host is the canonical
	// host (ingress-style routers decide by it).
	Database func(r *Router, host string, t Tenant) (string, error)
	// SetContext puts the tenant id into effect for the transaction.
	SetContext func(ctx context.Context, tx pgx.Tx, tenantID string) error
	// Tx, if set, wraps the request's transaction once its context is set
	// (the reference leaves it nil: the request runs on the transaction as
	// is). A router that mirrors or diverts the request's writes does it
	// here; the placement check sees where they land.
	Tx func(ctx context.Context, r *Router, t Tenant, db string, tx pgx.Tx) (pgx.Tx, error)
}

// Router is the hybrid router: Host header -> tenant -> database by tier ->
// a transaction with the tenant's context.
type Router struct {
	Zone string // the wildcard rule's zone, default DefaultZone
	// EnterpriseHosts maps canonical enterprise host names to tenant ids
	// (the ingress rules of dedicated deployments).
	EnterpriseHosts map[string]string
	// Dedicated maps tenant ids to their dedicated database's name (the
	// deployment's DATABASE_URL); a tenant is routed there only while its
	// tier is dedicated.
	Dedicated map[string]string
	// Directory reads the tenants table of the shared database with a role
	// that sees every tenant (the control plane).
	Directory *pgxpool.Pool
	// Pools are the application role's pools by database name.
	Pools map[string]*pgxpool.Pool
	Hooks Hooks
}

// Reference returns the reference routing steps.
func Reference() Hooks {
	return Hooks{
		Canonical: CanonicalHost,
		Key: func(r *Router, host string) (Key, error) {
			if id, ok := r.EnterpriseHosts[host]; ok {
				return Key{ID: id}, nil
			}
			if slug, ok := WildcardSlug(host, r.zone()); ok {
				return Key{Slug: slug}, nil
			}
			return Key{}, fmt.Errorf("%w: %q matches no enterprise host and is not one label under *.%s", ErrUnknownHost, host, r.zone())
		},
		Database: func(r *Router, _ string, t Tenant) (string, error) {
			switch t.Tier {
			case TierShared:
				return SharedDB, nil
			case TierDedicated:
				if db, ok := r.Dedicated[t.ID]; ok {
					return db, nil
				}
				return "", fmt.Errorf("%w for tenant %s: register its database before switching its tier", ErrNoDedicated, t.ID)
			}
			return "", fmt.Errorf("%w %q of tenant %s: fix the directory entry (shared or dedicated)", ErrUnknownTier, t.Tier, t.ID)
		},
		SetContext: func(ctx context.Context, tx pgx.Tx, id string) error {
			_, err := tx.Exec(ctx, "select set_config('app.tenant_id', $1, true)", id)
			return err
		},
	}
}

func (r *Router) zone() string {
	if r.Zone == "" {
		return DefaultZone
	}
	return r.Zone
}

// Request is one routed request: an open transaction on the tenant's
// database with its context set, and the lease on its directory entry
// (held until the request ends, so a migration waits for it).
type Request struct {
	Host     string
	Tenant   Tenant
	Database string // the router's own account of where it sent the request
	Tx       pgx.Tx
	lease    pgx.Tx
}

// Begin routes a request by its Host header. It returns an error wrapping
// ErrUnknownHost, ErrUnknownTenant, ErrUnknownTier or ErrNoDedicated when
// the request must be refused.
func (r *Router) Begin(ctx context.Context, host string) (*Request, error) {
	name, err := r.Hooks.Canonical(host)
	if err != nil {
		return nil, err
	}
	key, err := r.Hooks.Key(r, name)
	if err != nil {
		return nil, err
	}
	lease, err := r.Directory.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin directory lease: %w", err)
	}
	req, err := r.begin(ctx, lease, host, name, key)
	if err != nil {
		_ = lease.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return req, nil
}

func (r *Router) begin(ctx context.Context, lease pgx.Tx, host, name string, key Key) (*Request, error) {
	t, err := lookup(ctx, lease, key)
	if err != nil {
		return nil, err
	}
	db, err := r.Hooks.Database(r, name, t)
	if err != nil {
		return nil, err
	}
	pool := r.Pools[db]
	if pool == nil {
		return nil, fmt.Errorf("route %s: no pool for database %q: register it in Router.Pools", host, db)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin on %s: %w", db, err)
	}
	if err := r.Hooks.SetContext(ctx, tx, t.ID); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("set tenant context on %s: %w", db, err)
	}
	if r.Hooks.Tx != nil {
		wrapped, err := r.Hooks.Tx(ctx, r, t, db, tx)
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("open request on %s: %w", db, err)
		}
		tx = wrapped
	}
	return &Request{Host: host, Tenant: t, Database: db, Tx: tx, lease: lease}, nil
}

// lookup reads a directory entry and holds a share lock on it until the
// lease ends.
func lookup(ctx context.Context, lease pgx.Tx, k Key) (Tenant, error) {
	sql, arg := "SELECT id::text, slug, tier FROM tenants WHERE slug = $1 FOR SHARE", k.Slug
	switch {
	case k.ID != "":
		sql, arg = "SELECT id::text, slug, tier FROM tenants WHERE id = $1 FOR SHARE", k.ID
	case k.Fold:
		sql = "SELECT id::text, slug, tier FROM tenants WHERE lower(slug) = lower($1) FOR SHARE"
	}
	var t Tenant
	err := lease.QueryRow(ctx, sql, arg).Scan(&t.ID, &t.Slug, &t.Tier)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tenant{}, fmt.Errorf("%w: no directory entry for %+v", ErrUnknownTenant, k)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("read directory: %w", err)
	}
	return t, nil
}

// Commit commits the request and ends its lease.
func (q *Request) Commit(ctx context.Context) error {
	err := q.Tx.Commit(ctx)
	_ = q.lease.Rollback(context.WithoutCancel(ctx))
	return err
}

// Rollback rolls the request back and ends its lease.
func (q *Request) Rollback(ctx context.Context) {
	_ = q.Tx.Rollback(context.WithoutCancel(ctx))
	_ = q.lease.Rollback(context.WithoutCancel(ctx))
}
