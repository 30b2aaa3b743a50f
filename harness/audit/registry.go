package audit

import (
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

const (
	high   = harness.SeverityHigh
	medium = harness.SeverityMedium
	low    = harness.SeverityLow
)

// registry lists every check, sorted by ID. IDs are stable: a retired
// check keeps its ID unused; new checks take the next free one.
var registry = []*Check{
	// Row-level security on tenant tables.
	{ID: "TFA001", Name: "rls-disabled", Title: "Tenant table without row-level security", Severity: high, Leaks: []int{1}, run: rlsDisabled,
		Rationale: "Without RLS every statement on the table sees and changes every tenant's rows; the policies are the only tenant filter the database applies.",
		Fix:       "ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY; create one tenant policy."},
	{ID: "TFA002", Name: "rls-not-forced", Title: "Row-level security not forced", Severity: medium, Leaks: []int{3}, run: rlsNotForced,
		Rationale: "The table owner, and any role with its privileges, bypasses RLS unless FORCE ROW LEVEL SECURITY is set; migrations, jobs and misconfigured app roles that run as the owner see all tenants.",
		Fix:       "ALTER TABLE t FORCE ROW LEVEL SECURITY."},
	{ID: "TFA003", Name: "dormant-policies", Title: "Policies on a table with row-level security off", Severity: medium, Leaks: []int{2}, run: dormantPolicies,
		Rationale: "Policies are ignored while RLS is disabled; their presence makes the table look protected.",
		Fix:       "ALTER TABLE t ENABLE ROW LEVEL SECURITY (and FORCE)."},
	{ID: "TFA004", Name: "no-applicable-policy", Title: "Row-level security on, no policy for the application role", Severity: low, Leaks: []int{5}, run: noAppPolicy,
		Rationale: "Default deny hides every row from the application; the usual quick fix, USING (true), opens the table to all tenants.",
		Fix:       "Create the tenant policy for the application role."},
	// The application role.
	{ID: "TFA005", Name: "app-role-superuser", Title: "Application role is or can become a superuser", Severity: high, Leaks: []int{4}, run: appSuperuser,
		Rationale: "Superusers bypass row-level security everywhere, FORCE included.",
		Fix:       "ALTER ROLE app NOSUPERUSER; revoke memberships in superuser roles."},
	{ID: "TFA006", Name: "app-role-bypassrls", Title: "Application role has or can acquire BYPASSRLS", Severity: high, Leaks: []int{4}, run: appBypassRLS,
		Rationale: "BYPASSRLS skips every policy; SET ROLE to a member role with it acquires it.",
		Fix:       "ALTER ROLE app NOBYPASSRLS; revoke memberships in BYPASSRLS roles."},
	{ID: "TFA007", Name: "app-role-owns-tenant-table", Title: "Application role owns a tenant table", Severity: high, Leaks: []int{3, 4}, run: appOwnsTenantTable,
		Rationale: "An owner skips policies unless RLS is forced, and can always disable RLS or drop policies.",
		Fix:       "ALTER TABLE t OWNER TO a role the application cannot become."},
	{ID: "TFA008", Name: "app-role-createrole", Title: "Application role can create roles", Severity: medium, Leaks: []int{4}, run: appCreateRole,
		Rationale: "Before PostgreSQL 16 CREATEROLE can join any non-superuser role, including table owners; from 16 it still mints roles.",
		Fix:       "ALTER ROLE app NOCREATEROLE."},
	{ID: "TFA009", Name: "default-tenant-context", Title: "Tenant context set at login", Severity: high, Leaks: []int{19, 20}, run: defaultContext,
		Rationale: "A login-time value of the context setting makes every session that sets no context, or fails to, act as that tenant.",
		Fix:       "ALTER ROLE/DATABASE ... RESET the setting; set it only per transaction."},
	{ID: "TFA010", Name: "app-role-schema-create", Title: "Application role can create objects in a schema", Severity: medium, Leaks: []int{12}, run: appCreatesInSchema,
		Rationale: "CREATE on a schema lets a tenant session shadow functions and operators that policies and definer functions resolve by name, and create tables with foreign keys or triggers.",
		Fix:       "REVOKE CREATE ON SCHEMA s FROM app, PUBLIC."},
	// Policy logic.
	{ID: "TFA011", Name: "multiple-permissive-policies", Title: "More than one permissive policy per command", Severity: medium, Leaks: []int{6}, run: multiplePermissive,
		Rationale: "Permissive policies are OR-ed: the widest decides what every tenant sees.",
		Fix:       "One permissive policy per command; extra conditions AS RESTRICTIVE or TO another role."},
	{ID: "TFA012", Name: "policy-without-tenant-context", Title: "Policy does not read the tenant context", Severity: high, Leaks: []int{6, 7}, run: policyNoContext,
		Rationale: "A predicate over columns alone gives every tenant the same rows.",
		Fix:       "USING/WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)."},
	{ID: "TFA013", Name: "always-true-policy", Title: "Policy that does not depend on the row", Severity: high, Leaks: []int{5, 7, 8}, run: alwaysTrue,
		Rationale: "USING (true), constant or context-only predicates admit every tenant's rows whenever they hold; WITH CHECK (true) lets a tenant write rows for any tenant.",
		Fix:       "Compare the tenant column with the context."},
	{ID: "TFA014", Name: "fail-open-disjunct", Title: "Policy branch that opens all rows", Severity: high, Leaks: []int{7, 20, 21}, run: failOpenDisjunct,
		Rationale: "A branch like current_setting(...) IS NULL OR ... turns a missing or empty context into access to all tenants.",
		Fix:       "Drop the branch; use nullif(current_setting(name, true), '') so no context matches nothing."},
	{ID: "TFA015", Name: "null-tenant-disjunct", Title: "Policy admits rows without a tenant", Severity: medium, Leaks: []int{7}, run: nullTenantDisjunct,
		Rationale: "tenant_id IS NULL OR ... shares untagged rows with every tenant and, in WITH CHECK, lets any tenant write them.",
		Fix:       "Drop the branch; make the tenant column NOT NULL."},
	{ID: "TFA016", Name: "context-pattern-match", Title: "Tenant context used as a pattern", Severity: high, Leaks: []int{7}, run: contextPattern,
		Rationale: "LIKE ctx || '%' matches every row for an empty context and other tenants for a prefix; wildcards in the context widen it.",
		Fix:       "Compare with = against the typed context."},
	{ID: "TFA017", Name: "command-without-policy", Title: "Granted command without a policy", Severity: low, Leaks: []int{5, 10}, run: commandWithoutPolicy,
		Rationale: "A granted command no policy covers is denied; the broad policy added to make it work is the risk.",
		Fix:       "Revoke the command or cover it with a tenant policy."},
	{ID: "TFA018", Name: "missing-with-check", Title: "Write policy without WITH CHECK", Severity: low, Leaks: []int{8, 9}, run: missingWithCheck,
		Rationale: "Without WITH CHECK, new rows are checked with USING; widening USING then widens writes.",
		Fix:       "State WITH CHECK (tenant_id = context) on every write policy."},
	{ID: "TFA019", Name: "nullable-tenant-column", Title: "Tenant column allows NULL", Severity: low, Leaks: []int{7, 20}, run: nullableTenantColumn,
		Rationale: "A row without a tenant has no owner: lost to all under =, shared by all under IS NULL.",
		Fix:       "ALTER TABLE t ALTER COLUMN tenant_id SET NOT NULL."},
	// Tenant-context plumbing.
	{ID: "TFA020", Name: "current-setting-without-missing-ok", Title: "current_setting without missing_ok", Severity: medium, Leaks: []int{21}, run: currentSettingStrict,
		Rationale: "current_setting(name) raises where the context is unset, and teams then add a permissive fallback.",
		Fix:       "nullif(current_setting(name, true), '')."},
	{ID: "TFA021", Name: "session-level-set-config", Title: "set_config with is_local false", Severity: high, Leaks: []int{19}, run: sessionSetConfig,
		Rationale: "A session-level context outlives the transaction: the next borrower of a pooled connection acts as the previous tenant.",
		Fix:       "set_config(name, value, true)."},
	{ID: "TFA022", Name: "session-level-set", Title: "Session-level SET in a function or the context statement", Severity: high, Leaks: []int{19, 22}, run: sessionSet,
		Rationale: "SET (without LOCAL), SET ROLE and SET SESSION AUTHORIZATION outlive the transaction like set_config(..., false).",
		Fix:       "SET LOCAL, or set_config(name, value, true)."},
	{ID: "TFA023", Name: "dynamic-sql-concatenation", Title: "Dynamic SQL built by concatenation", Severity: medium, Leaks: []int{22}, run: dynamicSQLConcat,
		Rationale: "A tenant id concatenated into EXECUTE text (SET app.tenant_id = '...') injects SQL.",
		Fix:       "format() with %L/%I, or EXECUTE ... USING."},
	// Objects that bypass row-level security.
	{ID: "TFA024", Name: "view-without-security-invoker", Title: "View over tenant tables without security_invoker", Severity: high, Leaks: []int{11}, run: viewNotInvoker,
		Rationale: "A view reads its tables with its owner's rights; an owner that bypasses RLS shows every tenant's rows.",
		Fix:       "ALTER VIEW v SET (security_invoker = true)."},
	{ID: "TFA025", Name: "security-definer-reads-tenant-table", Title: "SECURITY DEFINER function reads tenant tables", Severity: high, Leaks: []int{12, 38}, run: definerReadsTenant,
		Rationale: "A definer function runs as its owner; an owner that bypasses RLS returns every tenant's rows to any caller.",
		Fix:       "SECURITY INVOKER, or revoke EXECUTE from the application role."},
	{ID: "TFA026", Name: "security-definer-search-path", Title: "SECURITY DEFINER function without a safe search_path", Severity: high, Leaks: []int{12}, run: definerSearchPath,
		Rationale: "A definer function resolving names through a path the caller controls runs the caller's code with the owner's rights.",
		Fix:       "ALTER FUNCTION f SET search_path = pg_catalog, pg_temp."},
	{ID: "TFA027", Name: "function-search-path-mutable", Title: "Policy or context function without a fixed search_path", Severity: low, Leaks: []int{12}, run: policyFunctionSearchPath,
		Rationale: "Functions called by policies or used to set the context resolve names through the caller's search_path.",
		Fix:       "ALTER FUNCTION f SET search_path = pg_catalog, pg_temp."},
	{ID: "TFA028", Name: "materialized-view-tenant-data", Title: "Readable materialized view over tenant data", Severity: high, Leaks: []int{13}, run: matViewTenantData,
		Rationale: "Materialized views have no row-level security: their rows were computed once for all tenants.",
		Fix:       "Revoke SELECT; serve it through a filtering security_invoker view or function."},
	{ID: "TFA029", Name: "foreign-table-tenant-data", Title: "Accessible foreign table with tenant data", Severity: high, Leaks: []int{13}, run: foreignTenantData,
		Rationale: "Row-level security cannot be enabled on foreign tables.",
		Fix:       "Revoke access; expose it through a filtering security_invoker view."},
	{ID: "TFA030", Name: "child-without-rls", Title: "Partition or inheritance child without row-level security", Severity: high, Leaks: []int{14}, run: childWithoutRLS,
		Rationale: "The parent's policies apply only through the parent; a child queried directly applies its own, often none.",
		Fix:       "Enable and force RLS on the child, copy the policies, revoke direct access."},
	// Grants RLS does not govern.
	{ID: "TFA031", Name: "truncate-granted", Title: "TRUNCATE granted on a tenant table", Severity: high, Leaks: []int{15}, run: truncateGranted,
		Rationale: "TRUNCATE is not subject to row-level security: one tenant empties the table for all.",
		Fix:       "REVOKE TRUNCATE."},
	{ID: "TFA032", Name: "references-granted", Title: "REFERENCES granted on a tenant table", Severity: medium, Leaks: []int{15, 25}, run: referencesGranted,
		Rationale: "Foreign-key checks ignore row-level security: a referencing table probes other tenants' keys.",
		Fix:       "REVOKE REFERENCES."},
	{ID: "TFA033", Name: "trigger-granted", Title: "TRIGGER granted on a tenant table", Severity: medium, Leaks: []int{16}, run: triggerGranted,
		Rationale: "A trigger the application role attaches observes and rewrites every tenant's writes.",
		Fix:       "REVOKE TRIGGER."},
	// Functions and triggers that run outside the policies.
	{ID: "TFA034", Name: "leakproof-function", Title: "LEAKPROOF user function", Severity: medium, Leaks: []int{18}, run: leakproofFunction,
		Rationale: "LEAKPROOF functions run before the policy filter; anything they raise or log about their arguments leaks other tenants' values.",
		Fix:       "ALTER FUNCTION f NOT LEAKPROOF."},
	{ID: "TFA035", Name: "trigger-sets-tenant-column", Title: "Trigger assigns the tenant column", Severity: medium, Leaks: []int{16}, run: triggerSetsTenant,
		Rationale: "A BEFORE ROW trigger that rewrites tenant_id decides ownership in code, outside the policy the client's statement is checked against.",
		Fix:       "Let WITH CHECK reject foreign tenants instead of rewriting the column."},
	{ID: "TFA036", Name: "security-definer-trigger", Title: "Trigger runs a SECURITY DEFINER function", Severity: medium, Leaks: []int{16, 49}, run: definerTrigger,
		Rationale: "A definer trigger writes as its owner on every tenant's behalf, past the caller's policies.",
		Fix:       "SECURITY INVOKER; give the tables it writes their own policies."},
	// Keys and side channels.
	{ID: "TFA037", Name: "shared-sequence", Title: "Tenant table ids from a shared sequence", Severity: low, Leaks: []int{29}, run: sharedSequence,
		Rationale: "Sequential ids shared by all tenants reveal the others' volume and make their keys guessable.",
		Fix:       "Random keys (uuid) or per-tenant counters."},
	{ID: "TFA038", Name: "global-unique-key", Title: "Unique key without the tenant column", Severity: low, Leaks: []int{25, 26, 50}, run: globalUniqueKey,
		Rationale: "A unique violation tells a tenant that another tenant holds the value.",
		Fix:       "UNIQUE (tenant_id, ...)."},
	{ID: "TFA039", Name: "fk-not-tenant-scoped", Title: "Foreign key between tenant tables without the tenant column", Severity: medium, Leaks: []int{25, 41}, run: fkNotTenantScoped,
		Rationale: "A key on the id alone lets a tenant point at another tenant's row; the check, which ignores RLS, reveals which ids exist.",
		Fix:       "FOREIGN KEY (tenant_id, x_id) REFERENCES x (tenant_id, id)."},
	// Server versions with row-level security or role-change bugs.
	{ID: "TFA040", Name: "cve-2016-2193", Title: "Server affected by CVE-2016-2193 (fixed in 9.5.2)", Severity: high, Leaks: []int{23}, run: versionCheck(cve20162193),
		Rationale: cve20162193.What + ".", Fix: "Upgrade to 9.5.2 or later."},
	{ID: "TFA041", Name: "cve-2017-15099", Title: "Server affected by CVE-2017-15099 (fixed in 10.1, 9.6.6, 9.5.10)", Severity: high, Leaks: []int{26}, run: versionCheck(cve201715099),
		Rationale: cve201715099.What + ".", Fix: "Upgrade to 10.1, 9.6.6, 9.5.10 or later."},
	{ID: "TFA042", Name: "cve-2019-10130", Title: "Server affected by CVE-2019-10130 (fixed in 11.3, 10.8, 9.6.13, 9.5.17)", Severity: medium, Leaks: []int{28}, run: versionCheck(cve201910130),
		Rationale: cve201910130.What + ".", Fix: "Upgrade to 11.3, 10.8, 9.6.13, 9.5.17 or later."},
	{ID: "TFA043", Name: "cve-2023-2455", Title: "Server affected by CVE-2023-2455 (fixed in 15.3, 14.8, 13.11, 12.15, 11.20)", Severity: high, Leaks: []int{23}, run: versionCheck(cve20232455),
		Rationale: cve20232455.What + ".", Fix: "Upgrade to 15.3, 14.8, 13.11, 12.15, 11.20 or later."},
	{ID: "TFA044", Name: "cve-2023-39418", Title: "Server affected by CVE-2023-39418 (fixed in 15.4)", Severity: high, Leaks: []int{24}, run: versionCheck(cve202339418),
		Rationale: cve202339418.What + ".", Fix: "Upgrade to 15.4 or later."},
	{ID: "TFA045", Name: "cve-2024-4317", Title: "Server affected by CVE-2024-4317 (fixed in 16.3, 15.7, 14.12)", Severity: medium, Leaks: []int{28}, run: versionCheck(cve20244317),
		Rationale: cve20244317.What + ".", Fix: "Upgrade to 16.3, 15.7, 14.12 or later and run fix-CVE-2024-4317.sql in every database."},
	{ID: "TFA046", Name: "cve-2024-10976", Title: "Server affected by CVE-2024-10976 (fixed in " + strings.Join(cve202410976.Fixed, ", ") + ")", Severity: high, Leaks: []int{23}, run: versionCheck(cve202410976),
		Rationale: cve202410976.What + ".", Fix: "Upgrade to " + strings.Join(cve202410976.Fixed, ", ") + " or later (preferably 17.2, 16.6, 15.10, 14.15, 13.18, 12.22: see TFA048)."},
	{ID: "TFA047", Name: "cve-2024-10978", Title: "Server affected by CVE-2024-10978 (fixed in 17.1, 16.5, 15.9, 14.14, 13.17, 12.21)", Severity: medium, Leaks: []int{4, 23}, run: versionCheck(cve202410978),
		Rationale: cve202410978.What + ".", Fix: "Upgrade to 17.2, 16.6, 15.10, 14.15, 13.18, 12.22 or later."},
	{ID: "TFA048", Name: "role-setting-regression-2024", Title: "Server ignores ALTER ROLE ... SET role (fixed in 17.2, 16.6, 15.10, 14.15, 13.18, 12.22)", Severity: medium, Leaks: []int{4, 23}, run: versionCheck(roleSetting2024),
		Rationale: roleSetting2024.What + ".", Fix: "Upgrade to 17.2, 16.6, 15.10, 14.15, 13.18, 12.22 or later."},
	{ID: "TFA049", Name: "cve-2025-8713", Title: "Server affected by CVE-2025-8713 (fixed in 17.6, 16.10, 15.14, 14.19, 13.22)", Severity: medium, Leaks: []int{14, 28}, run: versionCheck(cve20258713),
		Rationale: cve20258713.What + ".", Fix: "Upgrade to 17.6, 16.10, 15.14, 14.19, 13.22 or later."},
	// Policy logic, continued.
	{ID: "TFA050", Name: "policy-not-on-tenant-column", Title: "Policy compares the context with a column other than the tenant column", Severity: low, Leaks: []int{6}, run: policyOffTenantColumn,
		Rationale: "A policy that matches the context against the wrong column isolates by the wrong key: tenants lose their rows, and the broad fix that follows opens everything.",
		Fix:       "Compare the tenant column with the context."},
	{ID: "TFA051", Name: "tenant-key-through-function", Title: "Policy compares only a function of the tenant key", Severity: medium, Leaks: []int{7}, run: keyThroughFunction,
		Rationale: "right(tenant_id::text, 3), a hash bucket or a truncated code is exact only while no two tenants share it; with enough tenants they do, and see each other's rows.",
		Fix:       "Compare the tenant column itself with the typed context."},
	// Tenant-context plumbing, continued.
	{ID: "TFA052", Name: "context-setting-mismatch", Title: "Policies read a setting the context strategy does not set", Severity: high, Leaks: []int{20, 21}, run: contextMismatch,
		Rationale: "When the application sets app.tenant_id and the policies read app.current_tenant, every statement runs without a tenant context: the policies match nothing or raise, and tests over it pass without exercising isolation.",
		Fix:       "Set the setting the policies read: --context-sql with the application's own setter."},
}

// Checks returns every check, sorted by ID.
func Checks() []*Check {
	return append([]*Check(nil), registry...)
}

// CheckByID returns the check with the given ID or Name, or nil.
func CheckByID(id string) *Check {
	for _, c := range registry {
		if c.ID == id || c.Name == id {
			return c
		}
	}
	return nil
}
