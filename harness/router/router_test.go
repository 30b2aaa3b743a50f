package router_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

// served routes a request, reads where it ran, and commits it.
func served(t *testing.T, r *router.Router, host string) (db, tenant string, err error) {
	t.Helper()
	ctx := context.Background()
	req, err := r.Begin(ctx, host)
	if err != nil {
		return "", "", err
	}
	defer req.Rollback(ctx)
	if err := req.Tx.QueryRow(ctx, "SELECT current_setting('tenantfuzz.database'), current_setting('app.tenant_id')").Scan(&db, &tenant); err != nil {
		t.Fatal(err)
	}
	if db != req.Database {
		t.Errorf("the router says %s, the server %s", req.Database, db)
	}
	return db, tenant, req.Commit(ctx)
}

func TestReferenceRouterRoutesByTierAndRefuses(t *testing.T) {
	env := testEnv(t)
	seedMigration(t, env)
	ctx := context.Background()
	if _, err := env.Shared.Target.Pool.Exec(ctx, `INSERT INTO tenants (id, name, slug, tier) VALUES
		('7e4a0000-0000-4000-8000-0000000000c1', 'C', 'bigcorp', 'dedicated'),
		('7e4a0000-0000-4000-8000-0000000000c2', 'D', 'old', 'enterprise'),
		('7e4a0000-0000-4000-8000-0000000000c3', 'E', 'lost', 'dedicated')`); err != nil {
		t.Fatal(err)
	}
	r := env.NewRouter(map[string]string{"portal.bigcorp.example.test": "7e4a0000-0000-4000-8000-0000000000c1"},
		map[string]string{"7e4a0000-0000-4000-8000-0000000000c1": "dedicated-2", "7e4a0000-0000-4000-8000-0000000000c2": "dedicated-1"})
	for host, want := range map[string]string{
		"acme.example.test":               "shared " + tenantA,
		"KITE.example.test.:443":          "shared " + tenantB,
		"bigcorp.example.test":            "dedicated-2 7e4a0000-0000-4000-8000-0000000000c1",
		"Portal.Bigcorp.Example.Test:443": "dedicated-2 7e4a0000-0000-4000-8000-0000000000c1",
	} {
		db, tenant, err := served(t, r, host)
		if err != nil || db+" "+tenant != want {
			t.Errorf("%q: %s %s %v; want %s", host, db, tenant, err, want)
		}
	}
	for host, want := range map[string]error{
		"":                                 router.ErrUnknownHost,
		"evil.acme.example.test":           router.ErrUnknownHost,
		"acme.evil.test":                   router.ErrUnknownHost,
		"\u212aite.example.test":           router.ErrUnknownHost,
		"nosuch.example.test":              router.ErrUnknownTenant,
		"old.example.test":                 router.ErrUnknownTier,
		"lost.example.test":                router.ErrNoDedicated,
		"evil.portal.bigcorp.example.test": router.ErrUnknownHost,
	} {
		if _, _, err := served(t, r, host); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", host, err, want)
		}
	}
}

// TestMigrationWaitsForInFlightRequests: a request holds its directory
// lease; the migration waits for it, and the next request of the tenant
// runs on the dedicated database.
func TestMigrationWaitsForInFlightRequests(t *testing.T) {
	env := testEnv(t)
	seedMigration(t, env)
	ctx := context.Background()
	r := env.NewRouter(nil, map[string]string{tenantA: env.Dedicated[0].Name})
	req, err := r.Begin(ctx, "acme.example.test")
	if err != nil || req.Database != router.SharedDB {
		t.Fatalf("begin: %v %+v", err, req)
	}
	steps := make(chan string, 16)
	done := make(chan error, 1)
	go func() {
		done <- router.Migrate(ctx, &router.Migration{Source: env.Shared.Target.Pool, Target: env.Dedicated[0].Target.Pool,
			Catalog: env.Shared.Target.Catalog, Tenant: tenantA, Hook: func(s string) { steps <- s }})
	}()
	// Wait until the migration is seen blocked on the request's lock (a
	// sleep could only pass falsely: a slow start looks like waiting).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case s := <-steps:
			t.Fatalf("the migration reached %q while a request of the tenant was in flight", s)
		case err := <-done:
			t.Fatalf("the migration ended (%v) while a request of the tenant was in flight", err)
		default:
		}
		var waiting int
		if err := env.Shared.Target.Pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%FOR NO KEY UPDATE%'").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the migration was never seen waiting for the in-flight request's lock")
		}
	}
	select {
	case s := <-steps:
		t.Fatalf("the migration reached %q while a request of the tenant was in flight", s)
	default:
	}
	if err := req.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if db, _, err := served(t, r, "acme.example.test"); err != nil || db != env.Dedicated[0].Name {
		t.Errorf("after the migration: %s %v", db, err)
	}
}
