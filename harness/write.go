package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Write finding kinds.
const (
	// KindCrossTenantWrite: a tenant's write changed, added, removed or
	// moved rows of another tenant (or rows of no tenant).
	KindCrossTenantWrite Kind = "cross-tenant-write"
	// KindSideChannel: a write colliding with another tenant's key had a
	// different outcome than one colliding with nothing.
	KindSideChannel Kind = "side-channel"
)

// writeOutcome is what a write did, for side-channel comparison.
type writeOutcome struct {
	code     string // SQLSTATE, "" when it succeeded
	err      error
	rows     int // rows returned or copied
	returned resultSet
}

func (o writeOutcome) String() string {
	if o.code != "" {
		return "error " + o.code
	}
	return fmt.Sprintf("ok, %d rows", o.rows)
}

// execWrite runs a write as the application role under a savepoint. It
// leaves the savepoint open with the role reset, so the caller can inspect
// the effect; the caller rolls back to tf_write.
func (tg *Target) execWrite(ctx context.Context, tx pgx.Tx, role string, s generators.Statement) writeOutcome {
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_write; SET LOCAL ROLE "+catalog.QuoteIdent(role)); err != nil {
		return writeOutcome{code: sqlState(err)}
	}
	var out writeOutcome
	if s.Copy != nil {
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, strings.NewReader(strings.Join(s.Copy, "\n")+"\n"), s.SQL)
		if err != nil {
			out.code, out.err = sqlState(err), err
			if out.code == "" {
				out.code = "XX000"
			}
		} else {
			out.rows = int(tag.RowsAffected())
		}
	} else {
		rs := readRows(ctx, tx, s.SQL)
		out.code, out.err, out.returned, out.rows = rs.code, rs.err, rs, len(rs.rows)
		if rs.err != nil && out.code == "" {
			out.code = "XX000"
		}
	}
	if out.code == "" {
		if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil {
			out.code = sqlState(err)
		}
	}
	return out
}

// twinRun is what a write does when the admin role runs it, bypassing RLS.
type twinRun struct {
	err   error   // the admin could not run it either
	after digests // the per-tenant digests after it
}

// adminTwin runs a write as the admin role, under a savepoint it rolls
// back, and takes the digests after it. It tells the two things a tenant's
// run of the same write cannot: whether the statement is valid at all (an
// error as the tenant is then the system refusing it: a privilege, a
// policy, a policy that raises without its setting), and whether, without
// RLS, it changes another tenant's rows (reach: only such a write could
// have shown a cross-tenant write).
func (tg *Target) adminTwin(ctx context.Context, tx pgx.Tx, s generators.Statement, before digests) (twinRun, error) {
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_twin"); err != nil {
		return twinRun{}, fmt.Errorf("savepoint: %w", err)
	}
	var run twinRun
	if s.Copy != nil {
		_, run.err = tx.Conn().PgConn().CopyFrom(ctx, strings.NewReader(strings.Join(s.Copy, "\n")+"\n"), s.SQL)
	} else {
		run.err = readRows(ctx, tx, s.SQL).err
	}
	if run.err == nil {
		var err error
		if run.after, err = tg.takeDigests(ctx, tx); err != nil {
			return twinRun{}, err
		}
	}
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_twin"); err != nil {
		return twinRun{}, fmt.Errorf("roll back the admin's run: %w", err)
	}
	return run, nil
}

// isRejection reports whether a write error is the system refusing the
// write: privileges and RLS (42501), integrity constraints (class 23), COPY
// refused under RLS (0A000), errors raised by triggers (P0001).
func isRejection(code string) bool {
	return code == "42501" || strings.HasPrefix(code, "23") || code == "0A000" || code == "P0001"
}

// writeProbe runs writes by the viewer and checks, after each, that only
// the viewer's rows changed (per-tenant digests taken by the admin role)
// and that nothing returned (RETURNING) belongs to another tenant.
func (tg *Target) writeProbe(ctx context.Context, p probe, st *Stats) (*Finding, error) {
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '5s'"); err != nil {
		return nil, fmt.Errorf("set statement_timeout: %w", err)
	}
	if _, err := loadWorld(ctx, tx, p.world); err != nil {
		return nil, err
	}
	st.checked(p.world)
	if ok, err := tg.setContext(ctx, tx, ctxTenant, p.viewer, p.world); err != nil || !ok {
		return nil, err
	}
	before, err := tg.takeDigests(ctx, tx)
	if err != nil {
		return nil, err
	}
	viewerID, err := tg.ownTenants(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	for _, s := range p.stmts {
		twin, err := tg.adminTwin(ctx, tx, s, before)
		if err != nil {
			return nil, err
		}
		if twin.err != nil && !isRejection(sqlState(twin.err)) {
			// The admin cannot run it either, and not because of a
			// constraint: the generator's mistake.
			st.discard(s.Kind, s.SQL, twin.err)
			continue
		}
		// A write a constraint refuses even the admin (a foreign key to
		// another tenant's parent, a NOT NULL tenant column left out)
		// still runs as the tenant: its refusal is the system's answer,
		// and a trigger or default may make the tenant's run differ.
		if len(changed(before, twin.after, viewerID)) > 0 {
			st.Reached++ // without RLS this write changes another tenant's rows
		}
		out := tg.execWrite(ctx, tx, tg.tenantRole(p.world, p.viewer), s)
		if out.code != "" {
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_write"); err != nil {
				return nil, fmt.Errorf("roll back write: %w", err)
			}
			// Refused to the tenant (a privilege, a policy, a policy that
			// raises, a constraint) although the admin may run it.
			st.reject(out.err)
			st.Statements++
			count(&st.ByKind, s.Kind)
			continue
		}
		st.Statements++
		count(&st.ByKind, s.Kind)
		count(&st.ByRelation, s.Target)
		after, err := tg.takeDigests(ctx, tx)
		if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_write"); rerr != nil {
			return nil, fmt.Errorf("roll back write: %w", rerr)
		}
		if err != nil {
			return nil, err
		}
		if ownChanged(before, after, viewerID) {
			st.sawOwn()
		}
		st.Rows += out.rows
		if ch := changed(before, after, viewerID); len(ch) > 0 {
			return tg.writeFinding(p, s, ch), nil
		}
		for _, row := range out.returned.rows {
			if o := foreignOwner(p.world, owners(p.world, row), p.viewer); o >= 0 {
				return tg.finding(p, KindCrossTenantRead, ctxTenant, s, o, []string{"RETURNING " + describeRow(out.returned.cols, row, tg.Config.ShowValues)}, s.Target), nil
			}
		}
	}
	return nil, nil
}

// ownChanged reports whether the tenant's own rows differ between before
// and after: the write's positive control.
func ownChanged(before, after digests, own map[string]bool) bool {
	for _, d := range []digests{before, after} {
		for k := range d {
			if _, t, _ := strings.Cut(k, "\x00"); own[t] && before[k] != after[k] {
				return true
			}
		}
	}
	return false
}

// writeFinding reports the first other tenant whose rows a write changed.
func (tg *Target) writeFinding(p probe, s generators.Statement, ch []change) *Finding {
	c := ch[0]
	other := -1
	for i, t := range p.world.Tenants {
		if t.ID == c.tenant {
			other = i
		}
	}
	var ev []string
	for _, x := range ch {
		who := x.tenant
		if who == "" {
			who = "rows without a tenant"
		}
		ev = append(ev, fmt.Sprintf("rows of %s in %s changed", who, x.relation))
	}
	f := tg.finding(p, KindCrossTenantWrite, ctxTenant, s, other, ev, c.relation)
	if other < 0 {
		f.OtherTenant, f.OtherLabel = c.tenant, "no tenant"
		switch {
		case c.tenant != "" && p.world.Membership():
			f.OtherLabel = "a tenant the world did not generate (the schema's own: a personal account a trigger created, say)"
		case c.tenant != "":
			f.OtherLabel = "an unknown tenant"
		}
	}
	return f
}

// ownTenants are the tenant keys (as digests hold them) whose rows the
// viewer may change: its tenant's, and under membership tenancy those of
// every tenant the membership table makes its user a member of when the
// writes start (a personal account a trigger on auth.users created
// included), read by the admin.
func (tg *Target) ownTenants(ctx context.Context, tx pgx.Tx, p probe) (map[string]bool, error) {
	own := map[string]bool{p.world.TenantID(p.viewer): true}
	m := tg.Catalog.Membership
	if m == nil {
		return own, nil
	}
	rows, err := tx.Query(ctx, "SELECT "+catalog.QuoteIdent(m.TenantColumn)+"::text FROM "+m.Table.QualifiedName()+
		" WHERE "+catalog.QuoteIdent(m.UserColumn)+"::text = $1", p.world.ContextID(p.viewer))
	if err != nil {
		return nil, fmt.Errorf("read the viewer's memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t *string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("read the viewer's memberships: %w", err)
		}
		if t != nil {
			own[*t] = true
		}
	}
	return own, rows.Err()
}
