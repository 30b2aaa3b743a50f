package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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
	// the same helper scoped to the caller's tenant: no result at all
	"tfa025_definer_scoped.sql":       nil,
	"tfa026_definer_search_path.sql":  {"TFA026 function relation_count() @tfa026_definer_search_path.sql:3"},
	"tfa027_function_search_path.sql": {"TFA027 function current_tenant() @tfa027_function_search_path.sql:3"},
	"tfa028_materialized_view.sql":    {"TFA028 materialized view document_counts @tfa028_materialized_view.sql:3"},
	"tfa029_foreign_table.sql":        {"TFA029 foreign table archived_documents @tfa029_foreign_table.sql:5"},
	"tfa030_child_without_rls.sql":    {"TFA030 table documents_archive @tfa030_child_without_rls.sql:4"},
	"tfa031_truncate.sql":             {"TFA031 table document_chunks @tfa031_truncate.sql:2"},
	"tfa032_references.sql":           {"TFA032 table users @tfa032_references.sql:2"},
	"tfa033_trigger_granted.sql":      {"TFA033 table documents @tfa033_trigger_granted.sql:2"},
	"tfa034_leakproof.sql":            {"TFA034 function title_equals(a text, b text) @tfa034_leakproof.sql:3"},
	"tfa035_trigger_sets_tenant.sql":  {"TFA035 trigger documents_tenant on documents @tfa035_trigger_sets_tenant.sql:12"},
	"tfa036_definer_trigger.sql":      {"TFA036 trigger documents_log on documents @tfa036_definer_trigger.sql:12"},
	"tfa037_shared_sequence.sql":      {"TFA037 column document_chunks.seq @tfa037_shared_sequence.sql:3"},
	"tfa038_global_unique_key.sql":    {"TFA038 key users (email) @tfa038_global_unique_key.sql:2"},
	"tfa039_fk_not_tenant_scoped.sql": {"TFA039 foreign key comments_document_id_fkey on comments @tfa039_fk_not_tenant_scoped.sql:7"},
	"tfa050_policy_not_on_tenant_column.sql": {
		"TFA050 policy tenant_isolation_policy on users @tfa050_policy_not_on_tenant_column.sql:3"},
	"tfa051_key_through_function.sql": {
		"TFA051 policy tenant_isolation_policy on users @tfa051_key_through_function.sql:6",
		"TFA051 policy tenant_isolation_policy on document_chunks @tfa051_key_through_function.sql:10"},
	"tfa052_context_setting_mismatch.sql": {"TFA052 setting app.current_tenant @tfa052_context_setting_mismatch.sql:14"},
}

// mutantChecks maps each seeded defect of fixtures/mutants (by its name in
// mutants.yml) to the audit checks that must flag it.
var mutantChecks = map[string][]string{
	"rls-off":                       {"TFA001", "TFA003"},
	"owner-no-force":                {"TFA002", "TFA007"},
	"bypassrls-role-reachable":      {"TFA006"},
	"extra-permissive-policy":       {"TFA011", "TFA012"},
	"select-only-policy":            {"TFA013"},
	"insert-with-check-true":        {"TFA011", "TFA013"},
	"update-moves-rows":             {"TFA011", "TFA013"},
	"fail-open-empty-context":       {"TFA014"},
	"null-context-fallback":         {"TFA014"},
	"like-prefix-policy":            {"TFA016"},
	"view-without-security-invoker": {"TFA024"},
	"security-definer-function":     {"TFA025"},
	"materialized-view":             {"TFA028"},
	"inheritance-child-without-rls": {"TFA030"},
	"partition-without-rls":         {"TFA030"},
	"truncate-granted":              {"TFA031"},
	"definer-trigger-cross-tenant":  {"TFA036"},
	"definer-trigger-reads-foreign": {"TFA036"},
	"session-set-tenant":            {"TFA021"},
	"context-setter-formats-sql":    {"TFA022"},
	"global-unique-key":             {"TFA038"},
	"policy-on-wrong-column":        {"TFA050"},
	"lossy-tenant-key":              {"TFA051"},
	"ctas-backup-table":             {"TFA001", "TFA019"},
	"new-table-without-rls":         {"TFA001"},
	"fk-single-column-cascade":      {"TFA039"},
	"fk-single-column-set-null":     {"TFA039"},
	"fk-single-column-no-action":    {"TFA039"},
	"content-hash-dedupe":           {"TFA036"},
	"global-checksum-unique":        {"TFA038"},
	"tenant-blind-cache":            {"TFA025"},
}

// auditBlind lists the seeded defects no audit check flags, with the
// reason: only the dynamic properties find them. TestMutants requires the
// audit to stay silent on them (nothing at or above medium), so an audit
// check that learns to flag one moves it to mutantChecks.
var auditBlind = map[string]string{
	// The memo is a temporary table created at run time inside the
	// context function: no policy, grant or setting the catalogue shows.
	"memoised-set-tenant": "session state kept in a temporary table by the context function",
	// The same: the policies' fallback reads a temporary table the context
	// function fills at run time.
	"session-tenant-fallback": "the policies fall back to session state kept in a temporary table by the context function",
	// The policies read a setting the role strategy sets itself; whether a
	// client may set it too is a question of who runs SQL, which the
	// catalogue does not tell (role-tricks asks it).
	"role-setting-override": "a setting that overrides the tenant's role: harmless unless clients run SQL, which the catalogue does not show",
	// A sequence shared by every tenant: a plain nextval() the catalogue
	// cannot tell from a per-tenant one without knowing what it numbers.
	"shared-sequence-counter": "one sequence numbering every tenant's tickets: only the values it hands out show it",
	// A temporary table created at run time by the function it memoises.
	"session-memo": "session state kept in a temporary table created at run time",
}

// mutant is the part of a mutants.yml entry the audit needs.
type mutant struct {
	Name       string   `yaml:"name"`
	Overlay    string   `yaml:"overlay"`
	Context    string   `yaml:"context"`
	ContextSQL string   `yaml:"context_sql"`
	Relations  []string `yaml:"relations"`
}

func audited(t *testing.T, tg *harness.Target) *audit.Report {
	t.Helper()
	rep, err := audit.RunTarget(context.Background(), tg)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return rep
}

// TestReferenceClean: the reference schema gives no result at all, of any
// severity, from any check (the gate's baseline).
func TestReferenceClean(t *testing.T) {
	t.Parallel()
	tg := testenv.Target(t)
	rep := audited(t, tg)
	if len(rep.Checks) != len(audit.Checks()) {
		t.Errorf("ran %d checks, want all %d", len(rep.Checks), len(audit.Checks()))
	}
	for _, r := range rep.Results {
		t.Errorf("reference schema: unexpected %s", r.String())
	}
	// Options.Checks selects by ID or name, and refuses unknown ones.
	ctx := context.Background()
	one, err := audit.Run(ctx, tg.Pool, tg.Catalog, audit.Options{Checks: []string{"rls-disabled"}})
	if err != nil || len(one.Checks) != 1 || one.Checks[0] != "TFA001" {
		t.Errorf("Checks [rls-disabled]: ran %v, err %v", one, err)
	}
	if _, err := audit.Run(ctx, tg.Pool, tg.Catalog, audit.Options{Checks: []string{"TFA999"}}); err == nil {
		t.Error("an unknown check was accepted")
	}
}

// TestSeededDefects: each overlay in testdata gives exactly its expected
// results, located at the statement that seeded the defect, and naming
// roles as the files do although the shared server suffixes them.
func TestSeededDefects(t *testing.T) {
	t.Parallel()
	for overlay, want := range defects {
		t.Run(strings.TrimSuffix(overlay, ".sql"), func(t *testing.T) {
			t.Parallel()
			rep := audited(t, sharedTarget(t, harness.Config{}, filepath.Join("testdata", overlay)))
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

// TestMutants: every seeded defect of fixtures/mutants is flagged by the
// audit checks mutantChecks expects (other results allowed), and each
// subject its dynamic findings name links (Report.Related) to one of them.
// A mutant without an entry in mutantChecks fails the test: decide what
// the audit must say about it.
func TestMutants(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(testenv.Fixture("mutants/mutants.yml"))
	if err != nil {
		t.Skipf("no fixtures/mutants/mutants.yml: %v", err)
	}
	var ms []mutant
	if err := yaml.Unmarshal(b, &ms); err != nil {
		t.Fatalf("parse mutants.yml: %v", err)
	}
	for _, m := range ms {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			if why, blind := auditBlind[m.Name]; blind {
				path := testenv.Fixture(filepath.Join("mutants", m.Overlay))
				rep := audited(t, sharedTarget(t, harness.Config{Context: m.Context, ContextSQL: m.ContextSQL}, path))
				if rs := rep.AtLeast(harness.SeverityMedium); len(rs) > 0 {
					t.Errorf("auditBlind says the audit cannot see %s (%s), but it flags it: move it to mutantChecks\n%s", m.Name, why, results(rep))
				}
				return
			}
			want, ok := mutantChecks[m.Name]
			if !ok {
				t.Fatalf("mutant %s has no audit expectation: add it to mutantChecks", m.Name)
			}
			path := testenv.Fixture(filepath.Join("mutants", m.Overlay))
			if _, err := os.Stat(path); err != nil {
				t.Skipf("overlay of %s not there yet: %v", m.Name, err)
			}
			rep := audited(t, sharedTarget(t, harness.Config{Context: m.Context, ContextSQL: m.ContextSQL}, path))
			ids := map[string]bool{}
			for _, r := range rep.Results {
				ids[r.Check] = true
			}
			for _, id := range want {
				if !ids[id] {
					t.Errorf("no %s result; got:\n%s", id, results(rep))
				}
			}
			for _, rel := range m.Relations {
				linked := false
				for _, r := range rep.Related(rel) {
					linked = linked || contains(want, r.Check)
				}
				if !linked {
					t.Errorf("a finding on %s links to none of %v; got:\n%s", rel, want, results(rep))
				}
			}
		})
	}
}

// TestVariants: the fixtures that are not defects (fixtures/variants)
// yield nothing above low.
func TestVariants(t *testing.T) {
	t.Parallel()
	paths, _ := filepath.Glob(testenv.Fixture("variants/*.sql"))
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			cfg := harness.Config{}
			if strings.Contains(filepath.Base(p), "jwt") {
				cfg.Context = "jwt"
			}
			if strings.Contains(filepath.Base(p), "role") {
				cfg.Context = "role"
			}
			if rs := audited(t, sharedTarget(t, cfg, p)).AtLeast(harness.SeverityMedium); len(rs) > 0 {
				t.Errorf("%s is not a defect, but got:\n%s", p, results(&audit.Report{Results: rs}))
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
			if diff := compare(audited(t, sharedTarget(t, cfg)), want); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// TestContextSettingMismatch: the vendor sample's policies read
// app.current_tenant. Run as a forgotten --context-sql would run it (the
// default strategy sets app.tenant_id), TFA052 names both settings; with
// the application's setter (found to set app.current_tenant through its
// body) it is quiet.
func TestContextSettingMismatch(t *testing.T) {
	t.Parallel()
	files, err := harness.LoadSchema(testenv.Fixture("realworld/vendor-sample"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, contextSQL string
		fires            bool
	}{{"forgotten", "", true}, {"setter", "select set_tenant_context($1::uuid)", false}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := audited(t, testenv.TargetWith(t, harness.Config{Schema: files, ContextSQL: c.contextSQL}))
			var got []audit.Result
			for _, r := range rep.Results {
				if r.Check == "TFA052" {
					got = append(got, r)
				}
			}
			if !c.fires {
				if len(got) > 0 {
					t.Errorf("TFA052 with the application's setter: %s", got[0].String())
				}
				return
			}
			if len(got) != 1 || got[0].Object != "setting app.current_tenant" || filepath.Base(got[0].File) != "002_rls.sql" {
				t.Fatalf("want one TFA052 on setting app.current_tenant located in 002_rls.sql; got:\n%s", results(rep))
			}
			for _, want := range []string{"app.current_tenant", "app.tenant_id", "set_config", "raise"} {
				if !strings.Contains(got[0].Message, want) {
					t.Errorf("message lacks %q: %s", want, got[0].Message)
				}
			}
		})
	}
}
