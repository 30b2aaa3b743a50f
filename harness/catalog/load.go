package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Querier is what Load needs: a connection, pool or transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Options select the role and tenant column the catalog is read for.
type Options struct {
	AppRole      string // default "app_user"
	TenantColumn string // default "tenant_id"
	// Global names tables to treat as global whatever the detection says
	// (--global): no table is owned through them. Owned names tables that
	// must belong to a tenant (--owned): Load fails when one has no tenant
	// column and no foreign-key path to a tenant table.
	Global, Owned []string
	// Membership is --membership 'TABLE(user_col, tenant_col)': membership
	// tenancy with that table; "" detects it from the policies, "none"
	// turns the detection off.
	Membership string
}

// userSchemas filters out system schemas in catalog queries.
const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`

// Load introspects the database. The application role must exist.
func Load(ctx context.Context, q Querier, opts Options) (*Catalog, error) {
	if opts.AppRole == "" {
		opts.AppRole = "app_user"
	}
	if opts.TenantColumn == "" {
		opts.TenantColumn = "tenant_id"
	}
	c := &Catalog{AppRole: opts.AppRole, TenantColumn: opts.TenantColumn}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT current_setting('server_version_num')::int, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, opts.AppRole).Scan(&c.ServerVersionNum, &exists); err != nil {
		return nil, fmt.Errorf("read server version: %w", err)
	}
	if !exists {
		return nil, fmt.Errorf("load catalog: application role %q does not exist: create it in the schema or pass --app-role", opts.AppRole)
	}
	steps := []struct {
		what string
		fn   func(context.Context, Querier, *Catalog) error
	}{
		{"relations", loadRelations},
		{"columns", loadColumns},
		{"constraints", loadConstraints},
		{"unique indexes", loadUniqueIndexes},
		{"check constraints", loadChecks},
		{"policies", loadPolicies},
		{"inheritance", loadInheritance},
		{"functions", loadFunctions},
		{"reachable roles", loadReachableRoles},
	}
	for _, s := range steps {
		if err := s.fn(ctx, q, c); err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", s.what, err)
		}
	}
	c.resolveTenancy()
	if err := c.declare(opts.Global, opts.Owned); err != nil {
		return nil, err
	}
	c.resolveOwnership()
	if err := c.checkOwned(); err != nil {
		return nil, err
	}
	c.resolveFunctionSources()
	switch opts.Membership {
	case "":
		c.detectMembership()
	case "none":
	default:
		if err := c.declareMembership(opts.Membership); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Catalog) byOID() map[uint32]*Relation {
	m := make(map[uint32]*Relation, len(c.Relations))
	for _, r := range c.Relations {
		m[r.OID] = r
	}
	return m
}

func loadRelations(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, pg_get_userbyid(c.relowner),
       c.relrowsecurity, c.relforcerowsecurity,
       CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid) ELSE '' END,
       coalesce(c.reloptions @> ARRAY['security_invoker=true'] OR c.reloptions @> ARRAY['security_invoker=on'], false),
       has_table_privilege($1, c.oid, 'SELECT'), has_table_privilege($1, c.oid, 'INSERT'),
       has_table_privilege($1, c.oid, 'UPDATE'), has_table_privilege($1, c.oid, 'DELETE'),
       has_table_privilege($1, c.oid, 'TRUNCATE'), has_table_privilege($1, c.oid, 'REFERENCES'),
       has_table_privilege($1, c.oid, 'TRIGGER')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','f') AND `+userSchemas+`
ORDER BY n.nspname, c.relname`, c.AppRole)
	if err != nil {
		return err
	}
	defer rows.Close()
	kinds := map[string]RelKind{"r": KindTable, "p": KindPartitioned, "v": KindView, "m": KindMatView, "f": KindForeign}
	for rows.Next() {
		r := &Relation{}
		var oid int64
		var kind string
		p := &r.Priv
		if err := rows.Scan(&oid, &r.Schema, &r.Name, &kind, &r.Owner, &r.RLSEnabled, &r.RLSForced,
			&r.ViewDefinition, &r.SecurityInvoker,
			&p.Select, &p.Insert, &p.Update, &p.Delete, &p.Truncate, &p.References, &p.Trigger); err != nil {
			return err
		}
		r.OID = uint32(oid)
		r.Kind = kinds[kind]
		c.Relations = append(c.Relations, r)
	}
	return rows.Err()
}

func loadColumns(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT a.attrelid::int8, a.attname, format_type(a.atttypid, a.atttypmod),
       bt.typname, bt.typcategory::text, coalesce(et.typname, ''),
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = bt.oid), '{}'),
       a.attnotnull OR coalesce(t.typnotnull, false), a.atthasdef, coalesce(pg_get_expr(d.adbin, d.adrelid), ''),
       a.attidentity <> '', a.attgenerated <> ''
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r','p','v','m','f') AND a.attnum > 0 AND NOT a.attisdropped AND `+userSchemas+`
ORDER BY a.attrelid, a.attnum`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var col Column
		if err := rows.Scan(&oid, &col.Name, &col.Type, &col.BaseType, &col.Category, &col.ElemType, &col.EnumLabels,
			&col.NotNull, &col.HasDefault, &col.Default, &col.Identity, &col.Generated); err != nil {
			return err
		}
		if r := rels[uint32(oid)]; r != nil {
			r.Columns = append(r.Columns, col)
		}
	}
	return rows.Err()
}

func loadConstraints(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT con.conrelid::int8, con.conname, con.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       coalesce(rn.nspname || '.' || rc.relname, ''),
       ARRAY(SELECT a.attname::text FROM unnest(coalesce(con.confkey, '{}')) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),
       con.confdeltype::text, con.confupdtype::text
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p','u','f') AND `+userSchemas+`
ORDER BY con.conrelid, con.contype, con.conname`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var name, typ, ref, onDel, onUpd string
		var cols, refCols []string
		if err := rows.Scan(&oid, &name, &typ, &cols, &ref, &refCols, &onDel, &onUpd); err != nil {
			return err
		}
		r := rels[uint32(oid)]
		if r == nil {
			continue
		}
		switch typ {
		case "p":
			r.PrimaryKey = cols
		case "u":
			r.addUnique(cols)
		case "f":
			r.ForeignKeys = append(r.ForeignKeys, ForeignKey{Name: name, Columns: cols, RefTable: ref, RefColumns: refCols,
				OnDelete: fkAction(onDel), OnUpdate: fkAction(onUpd)})
		}
	}
	return rows.Err()
}

func (r *Relation) addUnique(cols []string) {
	key := strings.Join(cols, ",")
	if key == strings.Join(r.PrimaryKey, ",") {
		return
	}
	for _, u := range r.Uniques {
		if strings.Join(u, ",") == key {
			return
		}
	}
	r.Uniques = append(r.Uniques, cols)
}

// loadUniqueIndexes adds unique indexes that are not constraints (plain
// columns only; expression and partial indexes are skipped).
func loadUniqueIndexes(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT i.indrelid::int8,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL AND `+userSchemas+`
ORDER BY i.indrelid, i.indexrelid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var cols []string
		if err := rows.Scan(&oid, &cols); err != nil {
			return err
		}
		if r := rels[uint32(oid)]; r != nil {
			r.addUnique(cols)
		}
	}
	return rows.Err()
}

func loadPolicies(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT p.polrelid::int8, p.polname,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
       p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r),
       coalesce(pg_get_expr(p.polqual, p.polrelid), ''), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
FROM pg_policy p ORDER BY p.polrelid, p.polname`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var p Policy
		if err := rows.Scan(&oid, &p.Name, &p.Command, &p.Permissive, &p.Roles, &p.Using, &p.WithCheck); err != nil {
			return err
		}
		if r := rels[uint32(oid)]; r != nil {
			r.Policies = append(r.Policies, p)
		}
	}
	return rows.Err()
}

func loadInheritance(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `SELECT inhrelid::int8, inhparent::int8 FROM pg_inherits ORDER BY inhrelid, inhseqno`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var child, parent int64
		if err := rows.Scan(&child, &parent); err != nil {
			return err
		}
		ch, pa := rels[uint32(child)], rels[uint32(parent)]
		if ch == nil || pa == nil {
			continue // index inheritance or system objects
		}
		ch.Parents = append(ch.Parents, pa.Schema+"."+pa.Name)
		pa.Children = append(pa.Children, ch.Schema+"."+ch.Name)
	}
	return rows.Err()
}

func loadFunctions(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT p.oid::int8, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) t),
       ARRAY(SELECT coalesce(bt.typname, '') FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i) JOIN pg_type ty ON ty.oid = a.t JOIN pg_type bt ON bt.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END ORDER BY a.i),
       coalesce(pg_get_function_result(p.oid), ''), p.proretset, p.prokind::text, l.lanname,
       pg_get_userbyid(p.proowner), p.prosecdef, p.proleakproof, p.provolatile::text,
       coalesce(p.proconfig, '{}'), coalesce(p.prosrc, ''),
       has_function_privilege($1, p.oid, 'EXECUTE')
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE `+userSchemas+` AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
ORDER BY n.nspname, p.proname, p.oid`, c.AppRole)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		f := &Function{}
		var oid int64
		if err := rows.Scan(&oid, &f.Schema, &f.Name, &f.IdentityArgs, &f.ArgTypes, &f.ArgBaseTypes, &f.Result, &f.ReturnsSet, &f.Kind,
			&f.Language, &f.Owner, &f.SecurityDefiner, &f.Leakproof, &f.Volatility, &f.Config, &f.Source, &f.Execute); err != nil {
			return err
		}
		f.OID = uint32(oid)
		c.Functions = append(c.Functions, f)
	}
	return rows.Err()
}

// resolveTenancy marks tenant columns and finds the tenants table: the table
// most tenant columns reference by foreign key, else a table named tenants.
func (c *Catalog) resolveTenancy() {
	refs := map[string]int{}
	for _, r := range c.Relations {
		if r.Column(c.TenantColumn) != nil {
			r.TenantColumn = c.TenantColumn
		}
		for _, fk := range r.ForeignKeys {
			if len(fk.Columns) == 1 && fk.Columns[0] == c.TenantColumn {
				refs[fk.RefTable]++
			}
		}
	}
	best := ""
	for name, n := range refs {
		if n > refs[best] || (n == refs[best] && name < best) {
			best = name
		}
	}
	for _, r := range c.Relations {
		if (best != "" && r.Schema+"."+r.Name == best) || (best == "" && r.Name == "tenants" && r.IsTable()) {
			c.TenantsTable = r
			break
		}
	}
	sort.SliceStable(c.Relations, func(i, j int) bool { return c.Relations[i].String() < c.Relations[j].String() })
}

// fkAction names a referential action (pg_constraint.confdeltype).
func fkAction(c string) string {
	switch c {
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	case "r":
		return "RESTRICT"
	case "a":
		return "NO ACTION"
	}
	return ""
}
