package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// An INSERT in a SECURITY DEFINER body writes rows; it reaches another
// tenant only when the new rows land in a tenant that is not the caller's.
// tieInserts marks as tied the INSERTs whose values make the new rows the
// caller's, the way "create a team" RPCs are written:
//
//	INSERT INTO accounts (slug, name, primary_owner_user_id)
//	VALUES (p_slug, p_name, auth.uid()) RETURNING id INTO new_id;
//	INSERT INTO account_user (account_id, user_id, account_role)
//	VALUES (new_id, auth.uid(), 'owner');
//
// The first creates a new tenant (its key is left to the default, or is
// the caller's own id) and records the caller in it; the second writes
// into the tenant the body has just created (a variable filled by
// RETURNING key INTO from an INSERT into the tenants table) or into the
// caller's own (tenant key = auth.uid(), a personal account). Limits: an
// upsert (ON CONFLICT DO UPDATE) or INSERT ... SELECT is never tied this
// way; a tenant key given by a parameter never is (INSERT INTO
// account_user VALUES (p_account, auth.uid(), 'owner') joins any team);
// variables reassigned between the two statements are not tracked.
func (e *env) tieInserts(as []tenantAccess) {
	fresh := map[string]string{} // variable -> the tenants table whose new key it holds
	for i := range as {
		a := &as[i]
		ins := a.Insert
		if a.Kind != "INSERT" || ins == nil || a.rel == nil || ins.Upsert {
			continue
		}
		if !a.Tied {
			if how := e.insertOwn(a, fresh); how != "" {
				a.Tied, a.How = true, how
			} else if v, ok := ins.Value(0, e.tenantKey(a.rel), nil); ok && v.Var != "" && len(ins.Columns) > 0 {
				a.How = fmt.Sprintf("its VALUES take %s from %s, neither the caller nor a row this function created, and no check of the caller comes before it", e.tenantKey(a.rel), v.Var)
			}
		}
		if a.rel == e.cat.TenantsTable {
			key := e.tenantKey(a.rel)
			for j, col := range ins.Returning {
				if strings.EqualFold(col, key) && j < len(ins.Into) {
					fresh[ins.Into[j]] = a.rel.String()
				}
			}
		}
	}
}

// insertOwn says how an INSERT's VALUES tie every new row to the caller,
// "" when they do not.
func (e *env) insertOwn(a *tenantAccess, fresh map[string]string) string {
	r, ins := a.rel, a.Insert
	key := e.tenantKey(r)
	if key == "" || len(ins.Rows) == 0 {
		return ""
	}
	cols := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		cols[i] = c.Name
	}
	how := ""
	for i := range ins.Rows {
		v, named := ins.Value(i, key, cols)
		switch {
		case r == e.cat.TenantsTable && (!named || v.Default):
			// a new tenant: its key comes from the default, so it is no
			// existing tenant's; it must record the caller.
			who := callerColumn(ins, i, cols)
			if who == "" {
				return ""
			}
			how = fmt.Sprintf("its VALUES create a new %s row (%s from its default) recording the caller in %s", r.Name, key, who)
		case v.Caller != "":
			how = fmt.Sprintf("its VALUES set %s to the caller (%s)", key, v.Caller)
		case v.Var != "" && fresh[v.Var] != "":
			how = fmt.Sprintf("its VALUES set %s to %s, the %s row this function has just created", key, v.Var, fresh[v.Var])
		default:
			return ""
		}
	}
	return how
}

// callerColumn names the column row i of an INSERT sets to the caller
// ("primary_owner_user_id = auth.uid()"), "" when none.
func callerColumn(ins *sqltree.InsertRows, i int, cols []string) string {
	names := ins.Columns
	if names == nil {
		names = cols
	}
	for j, v := range ins.Rows[i] {
		if v.Caller != "" && j < len(names) {
			return names[j] + " = " + v.Caller
		}
	}
	return ""
}
