package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// defects lists one overlay per check (testdata/), each applied to the
// reference schema on its own server, with every result the audit must
// give: "<check> <object> @<file>:<line>" (the location optional). The
// lists are exact: a missing result shows the check does not bite, an
// extra one that it is not precise.
var defects = map[string][]string{
	"tfa001_rls_disabled.sql":     {"TFA001 table invoices @tfa001_rls_disabled.sql:4"},
	"tfa002_rls_not_forced.sql":   {"TFA002 table users @tfa002_rls_not_forced.sql:3"},
	"tfa003_dormant_policies.sql": {"TFA001 table users @tfa003_dormant_policies.sql:3", "TFA003 table users @tfa003_dormant_policies.sql:3"},
	"tfa004_no_applicable_policy.sql": {
		"TFA004 table document_chunks @tfa004_no_applicable_policy.sql:3"},
	"tfa005_app_role_superuser.sql": {"TFA005 role ops @tfa005_app_role_superuser.sql:3"},
	"tfa006_app_role_bypassrls.sql": {"TFA006 role app_user @tfa006_app_role_bypassrls.sql:2"},
	// the member inherits the owner's privileges, TRUNCATE included
	"tfa007_app_role_owns_table.sql": {
		"TFA007 table users @tfa007_app_role_owns_table.sql:5",
		"TFA031 table users @tfa007_app_role_owns_table.sql:5",
		"TFA032 table users @tfa007_app_role_owns_table.sql:5",
		"TFA033 table users @tfa007_app_role_owns_table.sql:5"},
	"tfa008_app_role_createrole.sql": {"TFA008 role app_user @tfa008_app_role_createrole.sql:2"},
	"tfa009_default_context.sql":     {"TFA009 setting app.tenant_id (role app_user) @tfa009_default_context.sql:3"},
	"tfa010_schema_create.sql":       {"TFA010 schema public @tfa010_schema_create.sql:3"},
	"tfa011_multiple_permissive.sql": {
		"TFA011 table documents @tfa011_multiple_permissive.sql:3",
		"TFA012 policy shared_documents on documents @tfa011_multiple_permissive.sql:3"},
	"tfa012_policy_without_context.sql": {"TFA012 policy tenant_isolation_policy on users @tfa012_policy_without_context.sql:3"},
	"tfa013_always_true.sql":            {"TFA013 policy tenant_isolation_policy on document_chunks @tfa013_always_true.sql:3"},
	"tfa014_fail_open_disjunct.sql":     {"TFA014 policy tenant_isolation_policy on users @tfa014_fail_open_disjunct.sql:2"},
	"tfa015_null_tenant_disjunct.sql": {
		"TFA015 policy tenant_isolation_policy on documents @tfa015_null_tenant_disjunct.sql:4",
		"TFA019 table documents @tfa015_null_tenant_disjunct.sql:3"},
	"tfa016_context_pattern.sql":        {"TFA016 policy tenant_isolation_policy on documents @tfa016_context_pattern.sql:3"},
	"tfa017_command_without_policy.sql": {"TFA017 table users @tfa017_command_without_policy.sql:4"},
	"tfa018_missing_with_check.sql":     {"TFA018 policy tenant_isolation_policy on document_chunks @tfa018_missing_with_check.sql:4"},
	"tfa019_nullable_tenant_column.sql": {"TFA019 table document_chunks @tfa019_nullable_tenant_column.sql:2"},
	"tfa020_current_setting_strict.sql": {"TFA020 policy tenant_isolation_policy on users @tfa020_current_setting_strict.sql:3"},
	"tfa021_session_set_config.sql":     {"TFA021 function set_tenant(p_tenant_id uuid) @tfa021_session_set_config.sql:3"},
	"tfa022_session_set.sql":            {"TFA022 function switch_tenant(p_tenant text) @tfa022_session_set.sql:3"},
	"tfa023_dynamic_sql.sql":            {"TFA023 function route_tenant(p_tenant text) @tfa023_dynamic_sql.sql:3"},
	"tfa024_view_definer.sql":           {"TFA024 view document_titles @tfa024_view_definer.sql:3"},
	"tfa025_definer_reads_tenant.sql":   {"TFA025 function match_documents(q text) @tfa025_definer_reads_tenant.sql:3"},
	"tfa026_definer_search_path.sql":    {"TFA026 function relation_count() @tfa026_definer_search_path.sql:3"},
	"tfa027_function_search_path.sql":   {"TFA027 function current_tenant() @tfa027_function_search_path.sql:3"},
	"tfa028_materialized_view.sql":      {"TFA028 materialized view document_counts @tfa028_materialized_view.sql:3"},
	"tfa029_foreign_table.sql":          {"TFA029 foreign table archived_documents @tfa029_foreign_table.sql:5"},
	"tfa030_child_without_rls.sql":      {"TFA030 table documents_archive @tfa030_child_without_rls.sql:4"},
	"tfa031_truncate.sql":               {"TFA031 table document_chunks @tfa031_truncate.sql:2"},
	"tfa032_references.sql":             {"TFA032 table users @tfa032_references.sql:2"},
	"tfa033_trigger_granted.sql":        {"TFA033 table documents @tfa033_trigger_granted.sql:2"},
	"tfa034_leakproof.sql":              {"TFA034 function title_equals(a text, b text) @tfa034_leakproof.sql:3"},
	"tfa035_trigger_sets_tenant.sql":    {"TFA035 trigger documents_tenant on documents @tfa035_trigger_sets_tenant.sql:12"},
	"tfa036_definer_trigger.sql":        {"TFA036 trigger documents_log on documents @tfa036_definer_trigger.sql:12"},
	"tfa037_shared_sequence.sql":        {"TFA037 column document_chunks.seq @tfa037_shared_sequence.sql:3"},
	"tfa038_global_unique_key.sql":      {"TFA038 key users (email) @tfa038_global_unique_key.sql:2"},
	"tfa039_fk_not_tenant_scoped.sql":   {"TFA039 foreign key comments_document_id_fkey on comments @tfa039_fk_not_tenant_scoped.sql:7"},
}

// fixtureDefects are the project's seeded defects (fixtures/overlays) that
// are statically visible, with the checks that must flag them; and the
// variants that are not defects, which must stay clean above low.
var fixtureDefects = map[string][]string{
	"overlays/documents_extra_permissive_select.sql": {"TFA011", "TFA012"},
	"overlays/documents_fail_open.sql":               {"TFA014"},
	"overlays/documents_owner_no_force.sql":          {"TFA002", "TFA007"},
	"overlays/documents_rls_off.sql":                 {"TFA001", "TFA003"},
	"overlays/inheritance_child_without_rls.sql":     {"TFA030"},
	"overlays/insert_with_check_true.sql":            {"TFA011", "TFA013"},
	"overlays/materialized_view.sql":                 {"TFA028"},
	"overlays/security_definer_function.sql":         {"TFA025"},
	"overlays/session_set_tenant.sql":                {"TFA021"},
	"overlays/truncate_granted.sql":                  {"TFA031"},
	"overlays/update_moves_rows.sql":                 {"TFA011", "TFA013"},
	"overlays/users_email_global_unique.sql":         {"TFA038"},
	"overlays/view_without_security_invoker.sql":     {"TFA024"},
	"variants/jwt_claims.sql":                        {},
}

func audited(t *testing.T, tg *harness.Target) *audit.Report {
	t.Helper()
	rep, err := audit.RunTarget(context.Background(), tg)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return rep
}

func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReferenceClean: the reference schema gives no result at all, of any
// severity, from any check (the gate's baseline).
func TestReferenceClean(t *testing.T) {
	t.Parallel()
	rep := audited(t, testenv.Target(t))
	if len(rep.Checks) != len(audit.Checks()) {
		t.Errorf("ran %d checks, want all %d", len(rep.Checks), len(audit.Checks()))
	}
	for _, r := range rep.Results {
		t.Errorf("reference schema: unexpected %s", r.String())
	}
}

// TestSeededDefects: each overlay in testdata gives exactly its expected
// results, located at the statement that seeded the defect.
func TestSeededDefects(t *testing.T) {
	t.Parallel()
	for overlay, want := range defects {
		t.Run(strings.TrimSuffix(overlay, ".sql"), func(t *testing.T) {
			t.Parallel()
			rep := audited(t, testenv.Target(t, abs(t, filepath.Join("testdata", overlay))))
			if err := compare(rep, want); err != "" {
				t.Error(err)
			}
		})
	}
}

// compare checks the results against "<key> @<file>:<line>" lines and
// says what differs, one line per difference.
func compare(rep *audit.Report, want []string) string {
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.Key()] = filepath.Base(r.File) + ":" + strconv.Itoa(r.Line)
	}
	var diff []string
	seen := map[string]bool{}
	for _, w := range want {
		key, loc, _ := strings.Cut(w, " @")
		seen[key] = true
		g, ok := got[key]
		switch {
		case !ok:
			diff = append(diff, "missing: "+key)
		case loc != "" && g != loc:
			diff = append(diff, key+": location = "+g+", want "+loc)
		}
	}
	for _, r := range rep.Results {
		if !seen[r.Key()] {
			diff = append(diff, "unexpected: "+r.String())
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, "\n")
}

// TestFixtureDefects: the project's own seeded defects that are visible in
// the catalog are flagged by the expected checks (other results allowed),
// and the non-defect variants yield nothing above low.
func TestFixtureDefects(t *testing.T) {
	t.Parallel()
	for fixture, want := range fixtureDefects {
		t.Run(fixture, func(t *testing.T) {
			t.Parallel()
			path := testenv.Fixture(fixture)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("fixture %s is gone: %v", fixture, err)
			}
			rep := audited(t, testenv.Target(t, path))
			ids := map[string]bool{}
			for _, r := range rep.Results {
				ids[r.Check] = true
			}
			for _, id := range want {
				if !ids[id] {
					t.Errorf("%s: no %s result; got:\n%s", fixture, id, results(rep))
				}
			}
			if len(want) == 0 && len(rep.AtLeast(harness.SeverityMedium)) > 0 {
				t.Errorf("%s is not a defect, but got:\n%s", fixture, results(rep))
			}
		})
	}
}

func results(rep *audit.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		b.WriteString("  " + r.String() + "\n")
	}
	return b.String()
}

// TestSeedGuide: the founding guide's schema is flagged for its three
// known context defects (missing FORCE, session-level set_config,
// current_setting without missing_ok) and for its id-only foreign key.
func TestSeedGuide(t *testing.T) {
	t.Parallel()
	sql, err := os.ReadFile("testdata/seed_guide.sql")
	if err != nil {
		t.Fatal(err)
	}
	tg := testenv.TargetWith(t, harness.Config{Schema: []harness.SQLFile{{Name: "testdata/seed_guide.sql", SQL: string(sql)}}})
	want := []string{
		"TFA002 table documents @seed_guide.sql:39",
		"TFA002 table tenants @seed_guide.sql:40",
		"TFA002 table users @seed_guide.sql:38",
		"TFA018 policy tenant_isolation_policy on documents @seed_guide.sql:47",
		"TFA018 policy tenant_isolation_policy on tenants @seed_guide.sql:51",
		"TFA018 policy tenant_isolation_policy on users @seed_guide.sql:43",
		"TFA020 policy tenant_isolation_policy on documents @seed_guide.sql:47",
		"TFA020 policy tenant_isolation_policy on tenants @seed_guide.sql:51",
		"TFA020 policy tenant_isolation_policy on users @seed_guide.sql:43",
		"TFA021 function set_tenant(tenant_id uuid) @seed_guide.sql:55",
		"TFA027 function set_tenant(tenant_id uuid) @seed_guide.sql:55",
		"TFA039 foreign key documents_user_id_fkey on documents @seed_guide.sql:33",
	}
	if diff := compare(audited(t, tg), want); diff != "" {
		t.Error(diff)
	}
}

// TestSeedGuideFixture: fixtures/seed-guide, when the project has it, is
// flagged for missing FORCE, session-level set_config and current_setting
// without missing_ok.
func TestSeedGuideFixture(t *testing.T) {
	t.Parallel()
	dir := testenv.Fixture("seed-guide")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no fixtures/seed-guide yet: %v", err)
	}
	files, err := harness.LoadSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := audited(t, testenv.TargetWith(t, harness.Config{Schema: files}))
	ids := map[string]bool{}
	for _, r := range rep.Results {
		ids[r.Check] = true
	}
	for _, id := range []string{"TFA002", "TFA020", "TFA021"} {
		if !ids[id] {
			t.Errorf("fixtures/seed-guide: no %s (%s) result; got:\n%s", id, audit.CheckByID(id).Name, results(rep))
		}
	}
}

// TestEveryCheckBites: every check in the registry is proven by a seeded
// defect above or, for server versions, by the version table of
// TestAdvisories.
func TestEveryCheckBites(t *testing.T) {
	proven := map[string]bool{}
	for _, want := range defects {
		for _, w := range want {
			proven[strings.Fields(w)[0]] = true
		}
	}
	for _, id := range audit.VersionCheckIDs() {
		proven[id] = true
	}
	for _, c := range audit.Checks() {
		if !proven[c.ID] {
			t.Errorf("%s has no seeded defect in defects_test.go and no version case", c)
		}
	}
}

// TestContextStrategies: the application's way of setting the context is
// audited too: the founding guide's formatted, session-level SET is
// flagged; the transaction-local strategies are not.
func TestContextStrategies(t *testing.T) {
	t.Parallel()
	for strategy, want := range map[string][]string{
		"format-unsafe": {"TFA022 context statement SET app.tenant_id = '00000000-0000-4000-8000-000000000000'"},
		"set-local":     nil,
		"role":          nil,
		"sql":           nil,
	} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			cfg := harness.Config{Context: strategy}
			if strategy == "sql" {
				cfg.ContextSQL = "select set_tenant($1::uuid)"
			}
			if diff := compare(audited(t, testenv.TargetWith(t, cfg)), want); diff != "" {
				t.Error(diff)
			}
		})
	}
}
