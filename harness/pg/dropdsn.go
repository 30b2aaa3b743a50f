package pg

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
)

// rolesWithSuffix returns the set of role names ending with suffix.
func rolesWithSuffix(ctx context.Context, conn *pgx.Conn, suffix string) (map[string]bool, error) {
	rows, err := conn.Query(ctx, `SELECT rolname FROM pg_roles WHERE right(rolname, length($1)) = $1`, suffix)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set, nil
}

// dropRun undoes an OpenDSN run: it drops the database name (terminating its
// other connections) and every role ending with suffix that is not in
// before, connecting with dsn, the caller's original connection string.
func dropRun(ctx context.Context, dsn, name, suffix string, before map[string]bool, versionNum int) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to %s to drop database %s: %w; drop it and the roles ending in %s by hand",
			RedactDSN(dsn), name, err, suffix)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var errs []error
	ident := pgx.Identifier{name}.Sanitize()
	if versionNum >= 130000 {
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
	} else {
		_, _ = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()`, name)
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident)
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("drop database %s: %w; close the sessions still using it and run DROP DATABASE %s by hand", name, err, ident))
	}

	now, err := rolesWithSuffix(ctx, conn, suffix)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	var created []string
	for r := range now {
		if !before[r] {
			created = append(created, r)
		}
	}
	sort.Strings(created)
	for _, r := range created {
		role := pgx.Identifier{r}.Sanitize()
		if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+role); err != nil {
			errs = append(errs, fmt.Errorf("drop role %s: %w; it still owns objects or holds privileges in another database: "+
				"run REASSIGN OWNED BY %s TO <a role>; DROP OWNED BY %s; in each database the error names, then DROP ROLE %s",
				role, err, role, role, role))
		}
	}
	return errors.Join(errs...)
}
