package harness_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestSupabaseShimExtensions: a schema whose defaults call
// extensions.gen_random_bytes, extensions.uuid_generate_v4, a bare
// uuid_generate_v4() and auth.email() applies with the shim, the defaults
// fill rows as the application role, and the schema runs clean. Without
// the shim's extensions schema the same migration does not apply.
func TestSupabaseShimExtensions(t *testing.T) {
	ctx := context.Background()
	schema, err := harness.LoadSchema(testenv.Fixture("examples/supabase-extensions"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := harness.Config{Schema: schema, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "team_id"}
	tg := testenv.TargetWith(t, cfg)

	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var secret, email string
	err = tx.QueryRow(ctx, `
WITH team AS (INSERT INTO teams (name) VALUES ('t') RETURNING id)
INSERT INTO api_keys (team_id) SELECT id FROM team RETURNING secret, coalesce(created_by, '')`).Scan(&secret, &email)
	if err != nil {
		t.Fatalf("defaults calling the extensions: %v", err)
	}
	if len(secret) != 48 {
		t.Errorf("secret %q: want 48 hex digits from extensions.gen_random_bytes(24)", secret)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL ROLE authenticated; SELECT set_config('request.jwt.claims', '{"email":"u@example.com"}', true)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `SELECT auth.email(), extensions.uuid_generate_v4() IS NOT NULL AND uuid_generate_v4() IS NOT NULL`).Scan(&email, new(bool)); err != nil || email != "u@example.com" {
		t.Errorf("auth.email() as authenticated = %q, %v", email, err)
	}
	tx.Rollback(ctx)

	for _, p := range []*harness.Property{harness.ReadIsolation, harness.WriteIsolation} {
		for _, rel := range []string{"api_keys", "notes"} {
			res := p.Run(ctx, tg, tg.Catalog.Relation(rel), harness.RunOptions{Checks: 15, Seed: 3, ShrinkTime: time.Second})
			if res.Err != nil || len(res.Findings) > 0 || res.Verdict != harness.VerdictPass {
				t.Errorf("%s %s: verdict %s err=%v findings=%v", p.Name, rel, res.Verdict, res.Err, res.Findings)
			}
		}
	}

	// Control: the same migration without the shim's extensions schema.
	db := testenv.Database(t)
	bare := append([]harness.SQLFile{{Name: "roles.sql", SQL: "CREATE ROLE authenticated; CREATE SCHEMA auth; CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$; CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql AS $$ SELECT '' $$;"}}, schema...)
	if _, err := harness.Open(ctx, db, harness.Config{Schema: bare, AppRole: "authenticated", TenantColumn: "team_id"}); err == nil || !strings.Contains(err.Error(), "extensions") {
		t.Errorf("without the shim the schema applied or failed elsewhere: %v", err)
	}
}

// TestSupabaseStorageRefused: with --supabase, a migration that uses
// Supabase Storage fails before anything is applied, with an error naming
// the file, the line and what to do; a schema that only mentions storage
// in a comment or a URL, or creates its own storage schema, applies.
func TestSupabaseStorageRefused(t *testing.T) {
	ctx := context.Background()
	base, err := harness.LoadSchema(testenv.Fixture("examples/supabase"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	storage := filepath.Join(dir, "20240103000000_storage.sql")
	os.WriteFile(storage, []byte("-- avatars\ninsert into storage.buckets (id, name) values ('avatars', 'avatars');\n"), 0o644)
	files, err := harness.LoadFiles([]string{storage})
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.Database(t)
	cfg := harness.Config{Schema: append(append([]harness.SQLFile{}, base...), files...), Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}
	_, err = harness.Open(ctx, db, cfg)
	if err == nil || !errors.Is(err, harness.ErrSchema) {
		t.Fatalf("storage migration: %v, want a schema error", err)
	}
	for _, want := range []string{storage + " line 2", "storage.buckets", "does not provide", "leave the storage migrations out of --schema"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}

	quiet := []harness.SQLFile{{Name: "x.sql", SQL: "-- files go to storage.objects later\n/* storage.buckets */\nCOMMENT ON TABLE public.projects IS 'see https://storage.googleapis.com/x';\n"}}
	cfg.Schema = append(append([]harness.SQLFile{}, base...), quiet...)
	tg, err := harness.Open(ctx, db, cfg)
	if err != nil {
		t.Fatalf("a schema that only mentions storage: %v", err)
	}
	tg.Close()
}
