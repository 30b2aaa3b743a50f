package harness_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// committedWorld commits a generated world and returns it with a SELECT
// of every tenant's documents.
func committedWorld(t *testing.T, tg *harness.Target) (*generators.World, []generators.Statement) {
	t.Helper()
	w := harness.Example(generators.WorldGen(tg.Catalog, generators.WorldOptions{MinTenants: 3, MaxTenants: 3, MaxRows: 2}), 7)
	undo, err := tg.CommitWorld(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := undo(context.Background()); err != nil {
			t.Error(err)
		}
	})
	s := generators.Statement{SQL: "SELECT * FROM documents a", Template: "SELECT * FROM ⟦documents⟧ a", Kind: "select",
		Relations: []string{"documents"}, Deterministic: true}
	return w, []generators.Statement{s}
}

// TestBulkLoad loads a small large world three times without dropping it
// in between: with every trigger and foreign-key check firing (so the
// generated rows are consistent), and twice without (the bench's rounds:
// a load must replace the previous large world, not set its rows aside as
// seeded ones); it checks the counts, that every row references its own
// tenant's parents, that values trace back to their tenant, and that
// DropBulk leaves the tables and schemas as they were.
func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	tg := testenv.Target(t)
	var last *harness.BulkWorld
	for _, opts := range []harness.BulkOptions{{Triggers: true}, {}, {}} {
		opts.Tenants, opts.PerTenant = 12, 5
		triggers := fmt.Sprintf("%+v", opts)
		w, err := tg.BulkLoad(ctx, opts)
		if err != nil {
			t.Fatalf("%s: %v", triggers, err)
		}
		last = w
		want := map[string]int64{"tenants": 12, "users": 60, "documents": 60, "document_chunks": 60}
		for rel, n := range want {
			var got int64
			if err := tg.Pool.QueryRow(ctx, "SELECT count(*) FROM "+rel).Scan(&got); err != nil || got != n || w.Rows[rel] != n {
				t.Errorf("%s: %s has %d rows (reported %d), want %d: %v", triggers, rel, got, w.Rows[rel], n, err)
			}
		}
		if w.Total != 192 || w.Tenants != 12 {
			t.Errorf("world = %+v", w)
		}
	}
	var foreign int
	err := tg.Pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.tenant_id <> d.tenant_id) +
		(SELECT count(*) FROM document_chunks c JOIN documents d ON d.id = c.document_id WHERE d.tenant_id <> c.tenant_id)`).Scan(&foreign)
	if err != nil || foreign != 0 {
		t.Errorf("%d rows reference another tenant's parent: %v", foreign, err)
	}
	var id, tenant, title string
	if err := tg.Pool.QueryRow(ctx, "SELECT id::text, tenant_id::text, title FROM documents ORDER BY id DESC LIMIT 1").Scan(&id, &tenant, &title); err != nil {
		t.Fatal(err)
	}
	if tenant != last.TenantID(11) || !strings.HasPrefix(id, fmt.Sprintf("%08x-", 12)) || !strings.HasPrefix(title, generators.Canary(11)) {
		t.Errorf("last document (id %s, tenant %s, title %q) does not trace back to the 12th tenant", id, tenant, title)
	}
	if err := tg.DropBulk(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	var saved bool
	err = tg.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM users) + (SELECT count(*) FROM documents),
		EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'tenantfuzz_saved')`).Scan(&left, &saved)
	if err != nil || left != 0 || saved {
		t.Errorf("after DropBulk: %d rows left, saved schema left: %v (%v)", left, saved, err)
	}
}
