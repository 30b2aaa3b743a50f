package router

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Mutant is a seeded defect of the router or of the migration: the
// reference with one step done the way real systems get it wrong. Each
// must be found by its property with one of its kinds, and replay from
// the finding's seed.
type Mutant struct {
	Name     string
	Entry    int            // the docs/leaks.md entry it stands for
	Property string         // the property that must find it
	Kinds    []harness.Kind // the finding kinds that kill it (the first is the expected one)
	Doc      string
	router   func(r *Router)
	// migration alters the migration procedure.
	migration func(m *Migration)
}

func (m *Mutant) String() string { return m.Name }

// Kills reports whether a finding of kind kills the mutant.
func (m *Mutant) Kills(kind harness.Kind) bool {
	for _, k := range m.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Mutants is the registry, sorted by name.
var Mutants = []*Mutant{
	{
		Name: "case-sensitive-host", Entry: 39, Property: "hostile-hosts", Kinds: []harness.Kind{KindCrossDatabase},
		Doc: "routes like the founding guide's ingress: an enterprise host rule, compared case-sensitively, sends the request to the " +
			"tenant's dedicated database; every other host under the zone goes to the shared service, which looks the slug up " +
			"case-insensitively (DNS names are) and serves from the shared database: Enterprise-Client.example.test reaches the " +
			"enterprise tenant on the shared database",
		router: func(r *Router) {
			r.Hooks.Canonical = func(host string) (string, error) {
				h := host
				if i := strings.LastIndexByte(h, ':'); i >= 0 {
					h = h[:i]
				}
				return strings.TrimSuffix(h, "."), nil
			}
			r.Hooks.Key = func(r *Router, host string) (Key, error) {
				if id, ok := r.EnterpriseHosts[host]; ok {
					return Key{ID: id}, nil
				}
				if slug, ok := WildcardSlug(strings.ToLower(host), r.zone()); ok {
					return Key{Slug: slug, Fold: true}, nil
				}
				return Key{}, fmt.Errorf("%w: %q", ErrUnknownHost, host)
			}
			r.Hooks.Database = func(r *Router, host string, t Tenant) (string, error) {
				if _, ok := r.EnterpriseHosts[host]; ok {
					return r.Dedicated[t.ID], nil
				}
				return SharedDB, nil
			}
		},
	},
	{
		Name: "control-plane-pool", Entry: 4, Property: "routing-isolation", Kinds: []harness.Kind{harness.KindCrossTenantRead},
		Doc: "serves shared-tier requests on the control plane's pool (\"it is already open on the shared database\"): the " +
			"right database and the right tenant context, but the directory's role bypasses row-level security, so a shared " +
			"tenant reads every tenant's rows (the only check that sees it compares the rows a request sees with its own)",
		router: func(r *Router) { r.Pools[SharedDB] = r.Directory },
	},
	{
		Name: "dedicated-by-slug", Entry: 39, Property: "routing-isolation", Kinds: []harness.Kind{KindOverRefusal},
		Doc: "the tier switch looks the dedicated database up by the tenant's slug while the deployment map is keyed by tenant " +
			"id: every dedicated tenant is refused as having no database (a router that refuses is safe from every other " +
			"check; only the over-refusal check sees it)",
		router: func(r *Router) {
			r.Hooks.Database = func(r *Router, _ string, t Tenant) (string, error) {
				switch t.Tier {
				case TierShared:
					return SharedDB, nil
				case TierDedicated:
					if db, ok := r.Dedicated[t.Slug]; ok {
						return db, nil
					}
					return "", fmt.Errorf("%w for tenant %s", ErrNoDedicated, t.Slug)
				}
				return "", fmt.Errorf("%w %q of tenant %s", ErrUnknownTier, t.Tier, t.ID)
			}
		},
	},
	{
		Name: "dual-write-left-on", Entry: 40, Property: "routing-isolation", Kinds: []harness.Kind{KindTierMisplacement},
		Doc: "the migration's dual-write mode was never switched off: requests of a dedicated tenant are served by its own " +
			"database, but every write is mirrored into the shared database as well, where the tenant's rows must no longer " +
			"be (no request sees it; the placement check after each request does)",
		router: func(r *Router) {
			r.Hooks.Tx = func(ctx context.Context, r *Router, t Tenant, db string, tx pgx.Tx) (pgx.Tx, error) {
				if t.Tier != TierDedicated || db == SharedDB {
					return tx, nil
				}
				mirror, err := r.Pools[SharedDB].Begin(ctx)
				if err != nil {
					return nil, err
				}
				if err := r.Hooks.SetContext(ctx, mirror, t.ID); err != nil {
					_ = mirror.Rollback(context.WithoutCancel(ctx))
					return nil, err
				}
				return &dualWrite{Tx: tx, mirror: mirror}, nil
			}
		},
	},
	{
		Name: "first-label-slug", Entry: 39, Property: "hostile-hosts", Kinds: []harness.Kind{KindHostMisroute},
		Doc: "the founding guide's get_tenant_id: host.split('.')[0] is the slug, whatever follows it, so acme-1.evil.test " +
			"and acme-1.example.test.evil.test are served as acme-1",
		router: func(r *Router) {
			r.Hooks.Canonical = func(host string) (string, error) { return host, nil }
			r.Hooks.Key = func(_ *Router, host string) (Key, error) {
				return Key{Slug: strings.Split(host, ".")[0]}, nil
			}
		},
	},
	{
		Name: "formatted-set", Entry: 22, Property: "routing-isolation", Kinds: []harness.Kind{KindFormattedContext, harness.KindContextLeak},
		Doc: "the founding guide's hybrid router: conn.execute(f\"SET app.tenant_id = '{tenant_id}'\"): the id is formatted into " +
			"the SQL (injectable) and the setting is session-level, so it outlives the request on the pooled connection (docs/leaks.md entry 19)",
		router: func(r *Router) {
			r.Hooks.SetContext = func(ctx context.Context, tx pgx.Tx, id string) error {
				_, err := tx.Exec(ctx, "SET app.tenant_id = '"+id+"'")
				return err
			}
		},
	},
	{
		Name: "migration-copies-directory", Entry: 40, Property: "migration", Kinds: []harness.Kind{KindTierMisplacement},
		Doc: "the migration copies the tenants table whole (\"it is reference data\") instead of the tenant's own entry: " +
			"every other tenant's name, slug and tier lands in the enterprise tenant's dedicated database, which must hold " +
			"rows of that tenant only",
		migration: func(m *Migration) { m.wholeDirectory = true },
	},
	{
		Name: "migration-copies-without-delete", Entry: 40, Property: "migration", Kinds: []harness.Kind{KindMigrationLeftover},
		Doc: "the migration copies every table and switches the tier, but never deletes the tenant's rows from the shared " +
			"database: a full copy of an enterprise tenant stays where its contract says it is not",
		migration: func(m *Migration) { m.keepSource = true },
	},
	{
		Name: "migration-forgets-chunks", Entry: 40, Property: "migration", Kinds: []harness.Kind{KindMigrationLoss},
		Doc: "the migration's hand-written table list lacks document_chunks, while its clean-up deletes every tenant table: " +
			"the tenant's chunks are gone",
		migration: func(m *Migration) {
			m.copyTable = func(table string) bool { return table != "document_chunks" }
		},
	},
	{
		Name: "unknown-tier-shared", Entry: 39, Property: "routing-isolation", Kinds: []harness.Kind{KindCrossDatabase},
		Doc: "the tier switch has a default branch: anything but 'dedicated' (the guide's 'enterprise', 'Dedicated', '') is " +
			"served by the shared database, where the tenant's rows are not",
		router: func(r *Router) {
			r.Hooks.Database = func(r *Router, _ string, t Tenant) (string, error) {
				if db, ok := r.Dedicated[t.ID]; ok && t.Tier == TierDedicated {
					return db, nil
				}
				return SharedDB, nil
			}
		},
	},
}

// MutantByName returns the named mutant, or nil.
func MutantByName(name string) *Mutant {
	for _, m := range Mutants {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// dualWrite is the request's transaction with every Exec mirrored into a
// second one (dual-write-left-on); both commit or roll back together.
type dualWrite struct {
	pgx.Tx
	mirror pgx.Tx
}

func (d *dualWrite) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := d.Tx.Exec(ctx, sql, args...)
	if err != nil || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(sql)), "INSERT") {
		return tag, err
	}
	if _, err := d.mirror.Exec(ctx, sql, args...); err != nil {
		return tag, fmt.Errorf("mirror write: %w", err)
	}
	return tag, nil
}

func (d *dualWrite) Commit(ctx context.Context) error {
	if err := d.Tx.Commit(ctx); err != nil {
		_ = d.mirror.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return d.mirror.Commit(ctx)
}

func (d *dualWrite) Rollback(ctx context.Context) error {
	err := d.Tx.Rollback(ctx)
	if merr := d.mirror.Rollback(ctx); err == nil {
		err = merr
	}
	return err
}
