package audit

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// facts is what the checks need beyond the catalog: roles, view
// dependencies, triggers, default settings, schema privileges and function
// definitions. It is read once per audit, as the admin connection sees it.
type facts struct {
	// roles maps every role name to its attributes and its relation to
	// the application role.
	roles map[string]roleFacts
	// usage[a][b]: role a has the privileges of role b (pg_has_role USAGE),
	// for a and b among the owners of user relations and functions.
	usage map[string]map[string]bool
	// deps maps a view or materialized view to the relations its query
	// reads directly (tables, views, materialized views, foreign tables).
	deps map[uint32][]uint32
	// triggers lists the user triggers on user tables.
	triggers []trigger
	// defaults lists login-time settings of the context setting (ALTER
	// ROLE/DATABASE ... SET, or the server configuration).
	defaults []defaultSetting
	// createSchemas lists the schemas the application role may CREATE in.
	createSchemas []string
	// definitions maps a function's OID to pg_get_functiondef (functions
	// and procedures only).
	definitions map[uint32]string
	// database is the current database's name.
	database string
	// via maps each role the application role is a member of, directly or
	// not, to its direct memberships that lead there: what to REVOKE.
	via map[string][]string
}

// roleFacts are one role's attributes.
type roleFacts struct {
	Super, BypassRLS, CreateRole bool
	// AppUses: the application role has this role's privileges
	// (itself, or an inherited membership).
	AppUses bool
	// AppBecomes: the application role can become this role with SET
	// ROLE (itself, or any membership).
	AppBecomes bool
}

// trigger is one user trigger.
type trigger struct {
	Relation uint32
	Name     string
	Function uint32
	Before   bool
	Row      bool
	Events   []string // INSERT, UPDATE, DELETE, TRUNCATE
}

// defaultSetting is one login-time value of the context setting.
type defaultSetting struct {
	Where string // "role app_user", "database tenantfuzz", "role app_user in database tenantfuzz", "server configuration"
	Value string
}

func loadFacts(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, setting string) (*facts, error) {
	f := &facts{}
	steps := []struct {
		what string
		fn   func(context.Context, catalog.Querier, *catalog.Catalog, *facts, string) error
	}{
		{"roles", loadRoles},
		{"role memberships", loadUsage},
		{"view dependencies", loadDeps},
		{"triggers", loadTriggers},
		{"default settings", loadDefaults},
		{"schema privileges", loadCreateSchemas},
		{"function definitions", loadDefinitions},
		{"role memberships", loadVia},
	}
	for _, s := range steps {
		if err := s.fn(ctx, q, cat, f, setting); err != nil {
			return nil, fmt.Errorf("read %s for the audit: %w (audit over an admin connection that reads the system catalogs)", s.what, err)
		}
	}
	return f, nil
}

func loadRoles(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, f *facts, _ string) error {
	rows, err := q.Query(ctx, `
SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
       pg_has_role($1, r.oid, 'USAGE'), pg_has_role($1, r.oid, 'MEMBER')
FROM pg_roles r`, cat.AppRole)
	if err != nil {
		return err
	}
	defer rows.Close()
	f.roles = map[string]roleFacts{}
	for rows.Next() {
		var name string
		var r roleFacts
		if err := rows.Scan(&name, &r.Super, &r.BypassRLS, &r.CreateRole, &r.AppUses, &r.AppBecomes); err != nil {
			return err
		}
		f.roles[name] = r
	}
	return rows.Err()
}

// loadUsage reads which owners have the privileges of which other owners:
// a view or SECURITY DEFINER function owned by a role that has the table
// owner's privileges bypasses the table's RLS unless it is forced.
func loadUsage(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, f *facts, _ string) error {
	seen := map[string]bool{}
	var owners []string
	add := func(o string) {
		if !seen[o] {
			seen[o] = true
			owners = append(owners, o)
		}
	}
	for _, r := range cat.Relations {
		add(r.Owner)
	}
	for _, fn := range cat.Functions {
		add(fn.Owner)
	}
	rows, err := q.Query(ctx, `
SELECT a.rolname, b.rolname FROM pg_roles a, pg_roles b
WHERE a.rolname = ANY($1) AND b.rolname = ANY($1) AND pg_has_role(a.oid, b.oid, 'USAGE')`, owners)
	if err != nil {
		return err
	}
	defer rows.Close()
	f.usage = map[string]map[string]bool{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		if f.usage[a] == nil {
			f.usage[a] = map[string]bool{}
		}
		f.usage[a][b] = true
	}
	return rows.Err()
}

func loadDeps(ctx context.Context, q catalog.Querier, _ *catalog.Catalog, f *facts, _ string) error {
	rows, err := q.Query(ctx, `
SELECT DISTINCT r.ev_class::int8, d.refobjid::int8
FROM pg_rewrite r
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
WHERE d.refobjid <> r.ev_class
ORDER BY 1, 2`)
	if err != nil {
		return err
	}
	defer rows.Close()
	f.deps = map[uint32][]uint32{}
	for rows.Next() {
		var view, base int64
		if err := rows.Scan(&view, &base); err != nil {
			return err
		}
		f.deps[uint32(view)] = append(f.deps[uint32(view)], uint32(base))
	}
	return rows.Err()
}

func loadTriggers(ctx context.Context, q catalog.Querier, _ *catalog.Catalog, f *facts, _ string) error {
	// tgtype bits: 1 ROW, 2 BEFORE, 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE, 64 INSTEAD.
	rows, err := q.Query(ctx, `
SELECT t.tgrelid::int8, t.tgname, t.tgfoid::int8, t.tgtype::int
FROM pg_trigger t
WHERE NOT t.tgisinternal
ORDER BY t.tgrelid, t.tgname`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rel, fn int64
		var tg trigger
		var typ int
		if err := rows.Scan(&rel, &tg.Name, &fn, &typ); err != nil {
			return err
		}
		tg.Relation, tg.Function = uint32(rel), uint32(fn)
		tg.Row, tg.Before = typ&1 != 0, typ&2 != 0
		for bit, ev := range map[int]string{4: "INSERT", 8: "DELETE", 16: "UPDATE", 32: "TRUNCATE"} {
			if typ&bit != 0 {
				tg.Events = append(tg.Events, ev)
			}
		}
		sortStrings(tg.Events)
		f.triggers = append(f.triggers, tg)
	}
	return rows.Err()
}

// loadDefaults finds values the context setting gets at login: from ALTER
// ROLE (the application role itself: role settings are not inherited),
// ALTER DATABASE, or the server configuration.
func loadDefaults(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, f *facts, setting string) error {
	rows, err := q.Query(ctx, `
SELECT CASE
         WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'role ' || pg_get_userbyid(s.setrole) || ' in database ' || d.datname
         WHEN s.setrole <> 0 THEN 'role ' || pg_get_userbyid(s.setrole)
         ELSE 'database ' || d.datname END,
       substr(c, length($2) + 2)
FROM pg_db_role_setting s
LEFT JOIN pg_database d ON d.oid = s.setdatabase
CROSS JOIN LATERAL unnest(s.setconfig) c
WHERE (s.setdatabase = 0 OR d.datname = current_database())
  AND (s.setrole = 0 OR pg_get_userbyid(s.setrole) = $1)
  AND lower(c) LIKE lower($2) || '=%'
ORDER BY 1`, cat.AppRole, setting)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d defaultSetting
		if err := rows.Scan(&d.Where, &d.Value); err != nil {
			return err
		}
		f.defaults = append(f.defaults, d)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var value, source string
	err = q.QueryRow(ctx, `SELECT coalesce(max(setting), ''), coalesce(max(source), '') FROM pg_settings WHERE name = lower($1)`, setting).Scan(&value, &source)
	if err != nil {
		return err
	}
	if value != "" && (source == "configuration file" || source == "command line" || source == "environment variable") {
		f.defaults = append(f.defaults, defaultSetting{Where: "server configuration (" + source + ")", Value: value})
	}
	return q.QueryRow(ctx, `SELECT current_database()`).Scan(&f.database)
}

func loadCreateSchemas(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, f *facts, _ string) error {
	rows, err := q.Query(ctx, `
SELECT n.nspname FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND has_schema_privilege($1, n.oid, 'CREATE')
ORDER BY 1`, cat.AppRole)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		f.createSchemas = append(f.createSchemas, s)
	}
	return rows.Err()
}

func loadDefinitions(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, f *facts, _ string) error {
	f.definitions = map[uint32]string{}
	var oids []int64
	for _, fn := range cat.Functions {
		if fn.Kind == "f" || fn.Kind == "p" {
			oids = append(oids, int64(fn.OID))
		}
	}
	if len(oids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT p.oid::int8, pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.oid::int8 = ANY($1)`, oids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var oid int64
		var def string
		if err := rows.Scan(&oid, &def); err != nil {
			return err
		}
		f.definitions[uint32(oid)] = def
	}
	return rows.Err()
}

// loadVia reads, for every role the application role is a member of
// (following pg_auth_members, not superuser status: a member of a
// superuser role is not one), the direct memberships of the application
// role it is reached through.
func loadVia(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, f *facts, _ string) error {
	rows, err := q.Query(ctx, `
WITH RECURSIVE reach(first, id) AS (
  SELECT m.roleid, m.roleid FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member WHERE a.rolname = $1
  UNION
  SELECT r.first, m.roleid FROM reach r JOIN pg_auth_members m ON m.member = r.id)
SELECT DISTINCT t.rolname, d.rolname FROM reach
JOIN pg_roles t ON t.oid = reach.id JOIN pg_roles d ON d.oid = reach.first ORDER BY 1, 2`, cat.AppRole)
	if err != nil {
		return err
	}
	defer rows.Close()
	f.via = map[string][]string{}
	for rows.Next() {
		var role, direct string
		if err := rows.Scan(&role, &direct); err != nil {
			return err
		}
		f.via[role] = append(f.via[role], direct)
	}
	return rows.Err()
}
