package catalog

import "context"

// loadReachableRoles lists the roles the application role can become with
// SET ROLE (its membership closure), except itself and the predefined pg_
// roles.
func loadReachableRoles(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT r.rolname, r.rolsuper, r.rolbypassrls
FROM pg_roles r
WHERE r.rolname <> $1 AND r.rolname NOT LIKE 'pg\_%' AND pg_has_role($1, r.oid, 'MEMBER')
ORDER BY r.rolname`, c.AppRole)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r ReachableRole
		if err := rows.Scan(&r.Name, &r.Superuser, &r.BypassRLS); err != nil {
			return err
		}
		c.ReachableRoles = append(c.ReachableRoles, r)
	}
	return rows.Err()
}

// ReachableRole is a role the application role can SET ROLE to.
type ReachableRole struct {
	Name      string
	Superuser bool
	BypassRLS bool
}
