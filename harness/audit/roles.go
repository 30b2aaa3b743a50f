package audit

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// becomable lists, in name order, the roles the application role can
// become (itself and every role it is a member of, with or without
// INHERIT: SET ROLE reaches them all) that satisfy ok.
func (e *env) becomable(ok func(roleFacts) bool) []string {
	var out []string
	for name, r := range e.f.roles {
		if r.AppBecomes && ok(r) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// how says how the application role reaches role: "app_user is" or
// "app_user can SET ROLE to x, which is".
func (e *env) how(role string) string {
	if role == e.cat.AppRole {
		return e.cat.AppRole + " is"
	}
	return fmt.Sprintf("%s can SET ROLE to %s, which is", e.cat.AppRole, role)
}

// roleFix is the SQL that takes attr (SUPERUSER, BYPASSRLS, CREATEROLE)
// out of the application role's reach: ALTER ROLE app NO<attr> on the
// application role itself, else the REVOKE of the application role's
// direct memberships through which it reaches role (the role keeps its
// attribute: other logins may need it, and a bootstrap superuser cannot
// lose it).
func (e *env) roleFix(role, attr string) string {
	if role == e.cat.AppRole {
		return fmt.Sprintf("ALTER ROLE %s NO%s", catalog.QuoteIdent(role), attr)
	}
	return e.revokeReach(role)
}

// revokeReach is the SQL that stops the application role reaching role
// by membership: REVOKE d FROM app for each direct membership d that leads
// there ("" when it has none).
func (e *env) revokeReach(role string) string {
	var out []string
	for _, d := range e.f.via[role] {
		out = append(out, fmt.Sprintf("REVOKE %s FROM %s", catalog.QuoteIdent(d), catalog.QuoteIdent(e.cat.AppRole)))
	}
	return strings.Join(out, "; ")
}

// appSuperuser (TFA005) enforces: the application role is not a superuser
// and cannot become one. A superuser ignores every policy, FORCE included.
// Limits: membership is read as the admin sees it now (pg_has_role
// MEMBER); SET ROLE through SECURITY DEFINER functions is not followed.
func appSuperuser(e *env) []Result {
	var out []Result
	for _, role := range e.becomable(func(r roleFacts) bool { return r.Super }) {
		out = append(out, Result{
			Object:  "role " + role,
			Message: fmt.Sprintf("%s a superuser: it bypasses row-level security on every table, forced or not", e.how(role)),
			FixSQL:  e.roleFix(role, "SUPERUSER"),
			where:   atRole(role, `\bSUPERUSER\b`),
		})
	}
	return out
}

// appBypassRLS (TFA006) enforces: the application role neither has
// BYPASSRLS nor can become a role that has it (BYPASSRLS is not inherited,
// but SET ROLE acquires it). Limits as TFA005.
func appBypassRLS(e *env) []Result {
	var out []Result
	for _, role := range e.becomable(func(r roleFacts) bool { return r.BypassRLS && !r.Super }) {
		out = append(out, Result{
			Object:  "role " + role,
			Message: fmt.Sprintf("%s BYPASSRLS: every policy on every table is skipped for it", e.how(role)),
			FixSQL:  e.roleFix(role, "BYPASSRLS"),
			where:   atRole(role, `\bBYPASSRLS\b`),
		})
	}
	return out
}

// appOwnsTenantTable (TFA007) enforces: no tenant table is owned by the
// application role or a role it can become. The owner skips policies
// unless RLS is forced, and can always ALTER TABLE ... NO FORCE / DISABLE
// ROW LEVEL SECURITY or DROP POLICY itself.
func appOwnsTenantTable(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if !e.f.roles[r.Owner].AppBecomes {
			continue
		}
		who := e.cat.AppRole + " owns it"
		fix := fmt.Sprintf("give %s an owner %s cannot become (ALTER TABLE %s OWNER TO that role), then ALTER TABLE %[3]s FORCE ROW LEVEL SECURITY", r, e.cat.AppRole, r.QualifiedName())
		fixSQL := ""
		if r.Owner != e.cat.AppRole {
			who = fmt.Sprintf("its owner %s is a role %s can become", r.Owner, e.cat.AppRole)
			if fixSQL = e.revokeReach(r.Owner); fixSQL != "" {
				fix = fixSQL + fmt.Sprintf("; and ALTER TABLE %s FORCE ROW LEVEL SECURITY", r.QualifiedName())
			}
		}
		forced := "RLS is not forced, so it reads every tenant's rows now"
		if r.RLSForced {
			forced = "RLS is forced, but the owner can turn it off (ALTER TABLE ... NO FORCE ROW LEVEL SECURITY) or drop the policies"
		}
		out = append(out, Result{
			Object: "table " + r.String(), Relation: r.String(),
			Message: fmt.Sprintf("%s: %s; %s", r, who, forced),
			Fix:     fix,
			FixSQL:  fixSQL,
			where:   []pattern{atOwner(r), atCreate(r)},
		})
	}
	return out
}

// appCreateRole (TFA008) enforces: the application role cannot create
// roles. Before PostgreSQL 16 CREATEROLE may grant itself membership in any
// non-superuser role, table owners included (high); from 16 on only in
// roles it administers (medium: it still mints roles and passwords).
func appCreateRole(e *env) []Result {
	var out []Result
	for _, role := range e.becomable(func(r roleFacts) bool { return r.CreateRole && !r.Super }) {
		sev, why := harness.SeverityMedium, "it can create roles and grant them what it holds"
		if e.cat.ServerVersionNum < 160000 {
			sev, why = harness.SeverityHigh, "before PostgreSQL 16 it can grant itself membership in any non-superuser role, the table owners included, and so bypass their tables' RLS"
		}
		out = append(out, Result{
			Severity: sev, Object: "role " + role,
			Message: fmt.Sprintf("%s CREATEROLE: %s", e.how(role), why),
			FixSQL:  e.roleFix(role, "CREATEROLE"),
			where:   atRole(role, `\bCREATEROLE\b`),
		})
	}
	return out
}

// defaultContext (TFA009) enforces: no session starts with a tenant
// context. A login-time value of the context setting (ALTER ROLE app SET,
// ALTER DATABASE SET, or the server configuration) hands every session
// that sets no context, or whose set failed, that tenant's rows. Limits:
// settings of roles other than the application role are not read (they
// apply only to logins as those roles).
func defaultContext(e *env) []Result {
	var out []Result
	setting := e.opts.ContextSetting
	for _, d := range e.f.defaults {
		fix := fmt.Sprintf("ALTER ROLE %s RESET %s", e.cat.AppRole, setting)
		switch {
		case strings.HasPrefix(d.Where, "database "):
			fix = fmt.Sprintf("ALTER DATABASE %s RESET %s", e.f.database, setting)
		case strings.Contains(d.Where, " in database "):
			fix = fmt.Sprintf("ALTER ROLE %s IN DATABASE %s RESET %s", e.cat.AppRole, e.f.database, setting)
		case strings.HasPrefix(d.Where, "server"):
			fix = "remove " + setting + " from postgresql.conf / ALTER SYSTEM RESET " + setting
		}
		fixSQL := fix
		if strings.HasPrefix(fix, "remove ") {
			fixSQL = "" // the server's configuration: not SQL in this database
		}
		out = append(out, Result{
			Object:  fmt.Sprintf("setting %s (%s)", setting, d.Where),
			Message: fmt.Sprintf("%s is %q at login (%s): a session that sets no tenant context acts as that tenant", setting, d.Value, d.Where),
			Fix:     fix,
			FixSQL:  fixSQL,
			where:   []pattern{newPattern(`\bALTER\s+(?:ROLE|USER|DATABASE)\s` + stmtBody + `\bSET\s+` + regexp.QuoteMeta(setting) + end)},
		})
	}
	return out
}

// appCreatesInSchema (TFA010) enforces: the application role cannot CREATE
// in any schema. With it a tenant's session can shadow the functions and
// operators that policies and SECURITY DEFINER functions call through
// their search_path, and create tables with foreign keys to tenant tables
// (existence probes) or trigger functions. Limits: the temporary schema
// (granted by TEMP on the database) is not counted.
func appCreatesInSchema(e *env) []Result {
	var out []Result
	for _, s := range e.f.createSchemas {
		out = append(out, Result{
			Object:  "schema " + s,
			Message: fmt.Sprintf("%s may CREATE objects in schema %s: it can shadow functions used by policies and SECURITY DEFINER functions, and create tables and functions of its own next to the tenant data", e.cat.AppRole, s),
			FixSQL:  fmt.Sprintf("REVOKE CREATE ON SCHEMA %s FROM %s, PUBLIC", catalog.QuoteIdent(s), e.cat.AppRole),
			where: []pattern{
				newPattern(`\bGRANT\s` + stmtBody + `\b(?:CREATE|ALL)\b` + stmtBody + `\bON\s+SCHEMA\s+` + stmtBody + identRE(s) + end + stmtBody + `\bTO\s+` + stmtBody + `(?:` + identRE(e.cat.AppRole) + `|PUBLIC)` + end),
				newPattern(`\bCREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?` + identRE(s) + end),
			},
		})
	}
	return out
}
