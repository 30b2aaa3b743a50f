package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// KindRLSBypassed: the role the statements ran as skips the row-level
// security of the relation that leaked (it owns the relation and RLS is not
// forced, it inherits the owner's privileges, it has BYPASSRLS, or it is a
// superuser), so the policies, correct or not, never ran.
const KindRLSBypassed Kind = "rls-bypassed"

// bypassable lists the kinds a bypass explains: rows of other tenants seen
// or written. Context leaks (a dirty connection), plan-cache, side-channel
// and over-filtering findings show something a bypass does not cause.
var bypassable = map[Kind]bool{
	KindCrossTenantRead: true, KindFailOpenRead: true, KindDifferentialRead: true,
	KindCrossTenantWrite: true, KindContextInjection: true, KindRoleTrick: true,
}

// explainBypass rewrites the findings of a result whose leaking relation
// the executing role is exempt from: their kind becomes rls-bypassed, the
// role chain that exempts it is the finding's cause, and what was seen
// (under the kind it was seen as) leads the evidence. PostgreSQL decides
// (row_security_active as that role); the catalog only explains.
//
// Limits: the role is the application role, or for reachable-roles the
// role the subject names; with the role-per-tenant strategy the tenant
// roles are not examined. A relation without RLS enabled is not a bypass
// (it is missing RLS, reported under its own kind).
func (tg *Target) explainBypass(ctx context.Context, res *Result) {
	for _, f := range res.Findings {
		if !bypassable[f.Kind] {
			continue
		}
		role, via := tg.Config.AppRole, ""
		if f.Property == ReachableRoles.Name {
			role, via = res.Relation, res.Relation
		}
		rel := tg.Catalog.Relation(f.Relation)
		if rel == nil || rel.Function != nil {
			continue
		}
		why, err := tg.bypassChain(ctx, role, via, rel)
		if err != nil || why == "" {
			continue // unexplained: the finding keeps its kind
		}
		seen := "seen as " + strings.TrimPrefix(f.Summary(), fmt.Sprintf("%s [%s] on %s: ", f.Kind, f.Severity, f.Relation)) + " (" + string(f.Kind) + ")"
		f.Kind, f.Severity, f.Cause = KindRLSBypassed, KindRLSBypassed.Severity(), why
		f.Evidence = append([]string{seen}, f.Evidence...)
	}
}

// bypassChain says why role skips the RLS of rel, "" when it does not.
// via, when set, is a role the application role reaches with SET ROLE.
func (tg *Target) bypassChain(ctx context.Context, role, via string, rel *catalog.Relation) (string, error) {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("begin bypass check: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var super, bypass, enabled, forced bool
	var owner string
	err = tx.QueryRow(ctx, `
SELECT r.rolsuper, r.rolbypassrls, c.relrowsecurity, c.relforcerowsecurity, o.rolname
FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner, pg_roles r
WHERE c.oid = $1 AND r.rolname = $2`, rel.OID, role).Scan(&super, &bypass, &enabled, &forced, &owner)
	if err != nil {
		return "", fmt.Errorf("read role %s and relation %s: %w", role, rel, err)
	}
	if !enabled {
		return "", nil
	}
	var active bool
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+catalog.QuoteIdent(role)); err != nil {
		return "", fmt.Errorf("become %s to check row security: %w", role, err)
	}
	if err := tx.QueryRow(ctx, "SELECT row_security_active($1::oid)", rel.OID).Scan(&active); err != nil {
		return "", fmt.Errorf("check row security of %s as %s: %w", rel, role, err)
	}
	if active {
		return "", nil
	}
	if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil {
		return "", err
	}
	name := tg.fileRole
	who := name(role)
	if via != "" {
		who = fmt.Sprintf("%s can SET ROLE to %s, which", name(tg.Config.AppRole), name(role))
	}
	switch {
	case super:
		return fmt.Sprintf("%s is a superuser: it skips row-level security on %s (and every table), forced or not", who, rel), nil
	case bypass:
		return fmt.Sprintf("%s has BYPASSRLS: it skips row-level security on %s (and every table)", who, rel), nil
	case role == owner:
		return fmt.Sprintf("%s owns %s; FORCE ROW LEVEL SECURITY is off", who, rel), nil
	}
	chain, err := tg.memberChain(ctx, tx, role, owner)
	if err != nil || len(chain) < 2 {
		return fmt.Sprintf("%s has the privileges of %s, which owns %s; FORCE ROW LEVEL SECURITY is off", who, name(owner), rel), err
	}
	var b strings.Builder
	b.WriteString(who)
	for _, r := range chain[1:] {
		b.WriteString(" is a member of " + name(r) + ",")
		if r != owner {
			b.WriteString(" which")
		}
	}
	fmt.Fprintf(&b, " which owns %s; FORCE ROW LEVEL SECURITY is off", rel)
	return strings.ReplaceAll(b.String(), ", which is a member of", ", a member of"), nil
}

// memberChain is the shortest chain of inherited memberships from role to
// owner, both included (nil when none).
func (tg *Target) memberChain(ctx context.Context, tx pgx.Tx, role, owner string) ([]string, error) {
	inherits := "mem.rolinherit"
	if tg.Catalog.ServerVersionNum >= 160000 {
		inherits = "m.inherit_option"
	}
	var chain []string
	err := tx.QueryRow(ctx, `
WITH RECURSIVE walk(id, path) AS (
  SELECT oid, ARRAY[rolname::text] FROM pg_roles WHERE rolname = $1
  UNION ALL
  SELECT m.roleid, w.path || g.rolname::text
  FROM walk w JOIN pg_auth_members m ON m.member = w.id
  JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles mem ON mem.oid = m.member
  WHERE `+inherits+` AND NOT g.rolname = ANY (w.path) AND cardinality(w.path) < 8)
SELECT path FROM walk WHERE path[cardinality(path)] = $2 ORDER BY cardinality(path) LIMIT 1`, role, owner).Scan(&chain)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	return chain, err
}

// fileRole spells a server role name as the schema files do (they differ
// on a shared server, where roles get a suffix).
func (tg *Target) fileRole(server string) string {
	for file, s := range tg.Roles {
		if s == server {
			return file
		}
	}
	return server
}
