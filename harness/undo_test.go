package harness_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// profilesOverlay is what Supabase projects add to the example: a profile
// per new user written by a trigger on auth.users (into a table the
// generator knows nothing of, with a bigserial key), and a seeded admin
// user with its profile.
const profilesOverlay = `
CREATE TABLE public.profiles (id bigserial PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users (id), display text);
CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN INSERT INTO public.profiles (user_id, display) VALUES (NEW.id, NEW.email); RETURN NEW; END $$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
INSERT INTO auth.users (id, email) VALUES ('00000000-0000-4000-8000-00000000ad01', 'admin@example.com');
`

// counterOverlay adds a trigger that updates a seeded row for every new
// account: deleting the world could not restore the counter.
const counterOverlay = `
CREATE TABLE public.stats (name text PRIMARY KEY, n int NOT NULL);
INSERT INTO stats VALUES ('accounts', 0);
CREATE FUNCTION public.count_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE public.stats SET n = n + 1 WHERE name = 'accounts'; RETURN NEW; END $$;
CREATE TRIGGER count_account AFTER INSERT ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.count_account();
`

func supabaseWith(t *testing.T, overlay string) *harness.Target {
	t.Helper()
	schema, err := harness.LoadSchema(testenv.Fixture("examples/supabase"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "overlay.sql")
	if err := os.WriteFile(path, []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	return testenv.TargetWith(t, harness.Config{Schema: schema, Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}, path)
}

// TestCommitWorldUndo: the undo of a committed world deletes the rows it
// created in every table, the support table auth.users and the profiles a
// trigger wrote included, keeps the seeded admin and its profile, and
// rewinds the profiles' sequence; a second world with the same ids then
// commits (no duplicate keys). A world whose insert updated a seeded row
// is refused before anything is committed.
func TestCommitWorldUndo(t *testing.T) {
	ctx := context.Background()
	tg := supabaseWith(t, profilesOverlay)
	before := snapshot(t, tg)
	if before["table auth.users"] != 1 || before["table public.profiles"] != 1 {
		t.Fatalf("seeded rows missing: %v", before)
	}
	for round := range 2 {
		w := harness.Example(generators.WorldGen(tg.Catalog, generators.WorldOptions{MinTenants: 3, MaxTenants: 3, MaxRows: 1}), 5)
		undo, err := tg.CommitWorld(ctx, w)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		during := snapshot(t, tg)
		if during["table auth.users"] <= 1 || during["table public.profiles"] != during["table auth.users"] || during["sequence public.profiles_id_seq"] == before["sequence public.profiles_id_seq"] {
			t.Fatalf("round %d: the world or its trigger rows are not there: %v", round, during)
		}
		if err := undo(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		after := snapshot(t, tg)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("round %d: after the undo %s is %d, was %d", round, k, after[k], v)
			}
		}
	}
	var admin int
	if err := tg.Pool.QueryRow(ctx, "SELECT count(*) FROM public.profiles p JOIN auth.users u ON u.id = p.user_id WHERE u.email = 'admin@example.com'").Scan(&admin); err != nil || admin != 1 {
		t.Errorf("the seeded admin's profile is gone (%d): %v", admin, err)
	}

	tg = supabaseWith(t, counterOverlay)
	before = snapshot(t, tg)
	w := harness.Example(generators.WorldGen(tg.Catalog, generators.WorldOptions{MinTenants: 2, MaxTenants: 2, MaxRows: 1}), 5)
	if _, err := tg.CommitWorld(ctx, w); err == nil || !strings.Contains(err.Error(), "public.stats") {
		t.Errorf("a world whose trigger updated a seeded row was committed: %v", err)
	}
	after := snapshot(t, tg)
	for k, v := range before {
		if after[k] != v && !strings.HasPrefix(k, "sequence ") {
			t.Errorf("after the refused world %s is %d, was %d", k, after[k], v)
		}
	}
}
