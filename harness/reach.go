package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
)

// Reach is counted per property as what could have shown a leak, never as
// "a statement ran" (Stats.Reached; a subject whose probes never reached
// is blind):
//
//   - read-isolation, fail-closed: the statement run by the admin role
//     (bypassing RLS) returns rows the tenant must not see (probe.go);
//   - write-isolation: the same write run by the admin role, rolled back,
//     changes another tenant's rows (or rows of no tenant) (write.go);
//   - hostile-ids: the hostile value was accepted, and a relation the
//     session then read holds, in the world the admin inserted, rows of a
//     tenant that is neither the viewer nor the tenant PostgreSQL reads the
//     value as (foreignInWorld; a read the value makes fail is the system
//     refusing those rows, as in fail-closed);
//   - role-tricks: the trick ran, and a relation the session could still
//     read holds rows of another tenant (foreignInWorld);
//   - side-channel: run by the admin role, the colliding and the fresh
//     insert have different outcomes (the colliding key really is another
//     tenant's, in a way a tenant's outcome can show) (collisionReaches);
//   - cross-request: tenant A's answer to a statement differs from tenant
//     B's answer to it alone (were B served A's answer, the differential
//     would show it); the positive control is B's answer alone holding a
//     row of its own (or, when no row of it can be traced, a non-empty
//     answer that differs from A's) (crossreq.go, judgeCrossRequest).

// foreignInWorld reports whether one of the relations the session read
// (seen: the reads that succeeded) holds, in the world the admin
// inserted, a tenant-owned row of a tenant outside allowed: only then
// could the read have shown another tenant's rows.
func foreignInWorld(w *generators.World, seen []visible, allowed ...string) bool {
	read := map[string]bool{}
	for _, v := range seen {
		read[v.rel] = true
	}
	for _, r := range w.Rows {
		if r.Global || r.Table == nil || !read[r.Table.String()] {
			continue
		}
		if !slices.Contains(allowed, w.TenantID(r.Tenant)) {
			return true
		}
	}
	return false
}

// collisionReaches runs the colliding and the fresh insert of a
// side-channel pair as the admin role (bypassing RLS), each under a
// savepoint it rolls back, and reports whether their outcomes differ as
// the side-channel comparison sees them (SQLSTATE, rows returned): only
// then does the colliding key collide with another tenant's row at all.
// A pair whose other tenant holds no row, or a deferred unique key
// (checked only at commit, which the probe never reaches), does not.
func collisionReaches(ctx context.Context, tx pgx.Tx, pair []generators.Statement) (bool, error) {
	var outs [2]writeOutcome
	for i, s := range pair[:2] {
		if _, err := tx.Exec(ctx, "SAVEPOINT tf_twin"); err != nil {
			return false, fmt.Errorf("savepoint: %w", err)
		}
		if s.Copy != nil {
			tag, err := tx.Conn().PgConn().CopyFrom(ctx, strings.NewReader(strings.Join(s.Copy, "\n")+"\n"), s.SQL)
			outs[i] = writeOutcome{code: sqlState(err), rows: int(tag.RowsAffected())}
			if err != nil && outs[i].code == "" {
				outs[i].code = "XX000"
			}
		} else {
			rs := readRows(ctx, tx, s.SQL)
			outs[i] = writeOutcome{code: rs.code, rows: len(rs.rows)}
			if rs.err != nil && rs.code == "" {
				outs[i].code = "XX000"
			}
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_twin"); err != nil {
			return false, fmt.Errorf("roll back the admin's run: %w", err)
		}
	}
	return outs[0].code != outs[1].code || outs[0].rows != outs[1].rows, nil
}
