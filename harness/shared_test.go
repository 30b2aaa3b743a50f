package harness_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestSharedContent: with tenants uploading the same content (generated
// worlds give rows of different tenants the same title, body and chunk
// text), the shared-content mutants are found by the property expected
// and their clean counterparts pass, earning it (reach and own rows):
//
//   - content-hash-dedupe (a SECURITY DEFINER trigger reusing the
//     embedding of any chunk with the same body hash): read-isolation sees
//     B's chunk show A's vector_id; the per-tenant dedupe
//     (testdata/shared/dedupe_per_tenant.sql, not in fixtures/variants
//     because the audit flags every definer trigger) passes;
//   - global-checksum-unique (UNIQUE (checksum) on a checksum a trigger
//     computes from the content): side-channel sees B's upload of A's
//     content refused while a fresh one goes in;
//     UNIQUE (tenant_id, checksum) (fixtures/variants/checksum_per_tenant.sql)
//     passes, side-channel having no key to probe.
//
// Each schema also loads worlds directly, to show the shared path is
// taken: chunks (documents) of two tenants with the same body (checksum),
// whose vector_ids the tenant-blind dedupe alone makes equal.
func TestSharedContent(t *testing.T) {
	dedupePerTenant, err := filepath.Abs("testdata/shared/dedupe_per_tenant.sql")
	if err != nil {
		t.Fatal(err)
	}
	const (
		chunkPairs = `SELECT count(*), count(*) FILTER (WHERE a.vector_id = b.vector_id)
		  FROM document_chunks a JOIN document_chunks b ON a.body = b.body AND a.tenant_id <> b.tenant_id`
		checksumPairs = `SELECT count(*), 0 FROM documents a JOIN documents b ON a.checksum = b.checksum AND a.tenant_id <> b.tenant_id`
	)
	for _, c := range []struct {
		name, overlay, relation, pairs string
		expect                         *harness.Property // nil: clean
		kind                           harness.Kind
		reuse                          bool
	}{
		{"dedupe per tenant", dedupePerTenant, "document_chunks", chunkPairs, nil, "", false},
		{"content-hash-dedupe", "mutants/content_hash_dedupe.sql", "document_chunks", chunkPairs, harness.ReadIsolation, harness.KindCrossTenantRead, true},
		{"checksum per tenant", "variants/checksum_per_tenant.sql", "documents", checksumPairs, nil, "", false},
		{"global-checksum-unique", "mutants/global_checksum_unique.sql", "documents", "", harness.SideChannel, harness.KindSideChannel, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tg := testenv.Target(t, c.overlay)
			if c.pairs != "" {
				pairs, reused := loadSharedWorlds(t, tg, c.pairs)
				t.Logf("%d cross-tenant pairs of rows with the same content, %d sharing a vector_id", pairs, reused)
				if pairs == 0 || (reused > 0) != c.reuse {
					t.Errorf("%d pairs, %d sharing a vector_id; want pairs, sharing only under the tenant-blind dedupe", pairs, reused)
				}
			}
			if c.expect == nil {
				for _, p := range []*harness.Property{harness.ReadIsolation, harness.WriteIsolation, harness.SideChannel} {
					res := runOn(t, tg, p, c.relation, 15)
					if res.Verdict != harness.VerdictPass && res.Verdict != harness.VerdictNotApplicable {
						t.Errorf("%s on %s: verdict %s (%s), want pass", p.Name, c.relation, res.Verdict, res.Reason)
					}
					for _, f := range res.Findings {
						t.Errorf("unexpected %s\n%s", f, f.Replay)
					}
				}
				return
			}
			res := runOn(t, tg, c.expect, c.relation, 40) // as the kill matrix
			if len(res.Findings) == 0 {
				t.Fatalf("%s found nothing on %s", c.expect.Name, c.relation)
			}
			f := res.Findings[0]
			t.Logf("%s\n%s", f, f.Replay)
			if f.Kind != c.kind || f.Relation != c.relation || f.Tenant == "" || f.Replay == "" || (c.kind == harness.KindCrossTenantRead && (f.OtherTenant == "" || f.OtherTenant == f.Tenant)) {
				t.Errorf("finding %+v, want %s on %s with its tenants and replay", f, c.kind, c.relation)
			}
		})
	}
}

// runOn runs p on one subject of tg, checks from seed 1.
func runOn(t *testing.T, tg *harness.Target, p *harness.Property, name string, checks int) *harness.Result {
	t.Helper()
	for _, subj := range p.Subjects(tg) {
		if subj.Name == name {
			res := p.RunSubject(context.Background(), tg, subj, harness.RunOptions{Checks: checks, Seed: 1, ShrinkTime: time.Second, ReplayBase: "tenantfuzz replay"})
			if res.Err != nil {
				t.Fatalf("%s on %s: %v", p.Name, name, res.Err)
			}
			t.Logf("%s %s: verdict %s checks=%d reached=%d own=%d findings=%d %s", p.Name, name, res.Verdict, res.Checks, res.Reached, res.Own, len(res.Findings), res.Reason)
			return res
		}
	}
	t.Fatalf("%s: no subject %s", p.Name, name)
	return nil
}

// loadSharedWorlds loads 40 generated worlds as the admin, each in a
// transaction rolled back, and sums what query (two counts) says of each.
func loadSharedWorlds(t *testing.T, tg *harness.Target, query string) (a, b int) {
	t.Helper()
	ctx := context.Background()
	gen := generators.WorldGen(tg.Catalog, generators.WorldOptions{})
	for i := range 40 {
		w := harness.Example(gen, i)
		tx, err := tg.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range harness.InsertSQL(w) {
			if _, err := tx.Exec(ctx, "SAVEPOINT r"); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, stmt); err != nil { // a row the schema refuses (the same content twice in a tenant)
				if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT r"); err != nil {
					t.Fatal(err)
				}
			}
		}
		var x, y int
		if err := tx.QueryRow(ctx, query).Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		a, b = a+x, b+y
		_ = tx.Rollback(ctx)
	}
	return a, b
}
