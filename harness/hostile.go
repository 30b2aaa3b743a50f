package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// KindContextInjection: a hostile tenant id passed to the context setter
// gave access to rows of a tenant the id does not name.
const KindContextInjection Kind = "context-injection"

// HostileIDs is the property: whatever string reaches the context setter
// as a tenant id (quotes, statement separators, comments, backslashes,
// unicode, invalid UTF-8, very long values, other tenants' ids spelled
// differently), the rows visible afterwards belong only to the tenant that
// PostgreSQL itself reads the string as (its ::uuid cast), or to none.
// Errors are passes: refusing a hostile id is failing closed.
//
// Reach: a check reaches when the hostile value was accepted and a
// relation the session then read (one the application role may SELECT)
// holds rows (in the world the admin inserted) of a tenant that is neither
// the viewer nor the tenant the value is read as. A read the hostile value
// makes fail still reached: it is the system refusing rows it held (failing
// closed), as in fail-closed. An id refused by the setter, or a world whose
// only other tenant is the one the value names, could not have shown a
// leak. A subject none of whose checks reached is blind.
//
// It runs the strategy's setter on a fresh session authorised as the
// application role, so a setter that formats ids into SQL can be injected
// the way an application would be. Limits: the strategy is the harness's
// model of the application's setter; an application's own setter code is
// only covered through --context-sql.
var HostileIDs = &Property{
	Name:   "hostile-ids",
	Title:  "a hostile tenant id never reaches another tenant's rows",
	Labels: []string{"context", "hostile", "soc2:CC6.1"},
	// Positive control: the viewer's own id, set plainly after the
	// hostile one, shows the viewer's rows in some check.
	control: true,
	Plain:   func(tg *Target) []string { return []string{"strategy " + tg.Strategy.Name} },
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
			id := generators.HostileID(w, viewer).Draw(rt, "hostile id")
			var stats Stats
			f, err := tg.hostileProbe(ctx, w, viewer, id, &stats)
			return f, stats, err
		})
	},
}

// sessionAsApp opens a connection whose session is authorised as the
// application role (RESET ROLE cannot escape it), with the world inserted
// in an open transaction by the admin first.
func (tg *Target) sessionAsApp(ctx context.Context, w *generators.World) (*pgx.Conn, pgx.Tx, error) {
	return tg.sessionAs(ctx, w, tg.Config.AppRole)
}

// sessionAs is sessionAsApp for a session authorised as login. Under a
// role-per-tenant strategy the admin first creates every tenant's role
// (in the transaction, so they go with its rollback).
func (tg *Target) sessionAs(ctx context.Context, w *generators.World, login string) (*pgx.Conn, pgx.Tx, error) {
	conn, err := pgx.Connect(ctx, tg.DB.DSN)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to target: %w", err)
	}
	tx, err := conn.Begin(ctx)
	if err == nil {
		_, err = loadWorld(ctx, tx, w)
	}
	for i := 0; err == nil && tg.Strategy.Role != nil && i < len(w.Tenants); i++ {
		_, err = tx.Exec(ctx, createTenantRole(tg, w.TenantID(i)))
	}
	if err == nil {
		_, err = tx.Exec(ctx, "SET LOCAL statement_timeout = '5s'; SET SESSION AUTHORIZATION "+catalog.QuoteIdent(login))
	}
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, nil, fmt.Errorf("prepare application session: %w", err)
	}
	return conn, tx, nil
}

// selectable lists the tenant relations visibleTenants reads (the
// application role may SELECT them and their tenant key resolves), with no
// keys: the relations a probe's reads cover, whether or not they succeed.
func (tg *Target) selectable() []visible {
	var out []visible
	for _, r := range tg.Catalog.TenantTables() {
		if !r.Priv.Select {
			continue
		}
		if _, _, ok := tg.Catalog.TenantKeyExpr(r, "t"); ok {
			out = append(out, visible{rel: r.String()})
		}
	}
	return out
}

// visible is the tenant keys of the rows one relation shows.
type visible struct {
	rel  string
	keys []string
}

// visibleTenants reads every tenant table as the session is and returns
// the tenant keys of the rows it sees, per relation, in catalog order.
func (tg *Target) visibleTenants(ctx context.Context, tx pgx.Tx) ([]visible, error) {
	var out []visible
	for _, r := range tg.Catalog.TenantTables() {
		if !r.Priv.Select {
			continue
		}
		key, joins, ok := tg.Catalog.TenantKeyExpr(r, "t")
		if !ok {
			continue
		}
		// The owner's join resolves the tenant of rows the session can see.
		rs := query(ctx, tx, "", "SELECT "+key+" FROM "+r.QualifiedName()+" t"+joins)
		if rs.err != nil {
			continue // an error is failing closed
		}
		v := visible{rel: r.String()}
		for _, row := range rs.rows {
			if row[0] != nil {
				v.keys = append(v.keys, *row[0])
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (tg *Target) hostileProbe(ctx context.Context, w *generators.World, viewer int, id string, st *Stats) (*Finding, error) {
	conn, tx, err := tg.sessionAsApp(ctx, w)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	defer tx.Rollback(context.WithoutCancel(ctx))
	st.checked(w)
	st.Statements++
	// What PostgreSQL reads the string as, if anything.
	canonical := ""
	if rs := query(ctx, tx, "", "SELECT "+catalog.QuoteLiteral(strings.ToValidUTF8(strings.ReplaceAll(id, "\x00", ""), ""))+"::uuid::text"); rs.err == nil && len(rs.rows) == 1 && rs.rows[0][0] != nil && utf8.ValidString(id) && !strings.Contains(id, "\x00") {
		canonical = *rs.rows[0][0]
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_hostile"); err != nil {
		return nil, err
	}
	if err := tg.Strategy.Set(ctx, tx, tg, id); err != nil {
		st.reject(err)
		return nil, tg.hostileControl(ctx, tx, w, viewer, st)
	}
	seen, err := tg.visibleTenants(ctx, tx)
	if err != nil {
		return nil, err
	}
	if foreignInWorld(w, tg.selectable(), w.TenantID(viewer), canonical) {
		st.Reached++ // the session's reads covered rows the value must not show
	}
	var plain map[string]bool // what the context the id is read as shows, on demand
	for _, v := range seen {
		rel := v.rel
		for _, k := range v.keys {
			st.Rows++
			if k == canonical || k == w.TenantID(viewer) {
				continue // its own rows, or those of the tenant PostgreSQL reads the id as
			}
			if plain == nil {
				if plain, err = tg.plainVisible(ctx, tx, w, canonical); err != nil {
					return nil, err
				}
			}
			if plain[rel+" "+k] {
				continue // the plain context shows them too: not the hostile value's doing
			}
			other := -1
			for i, t := range w.Tenants {
				if t.ID == k {
					other = i
				}
			}
			f := &Finding{Kind: KindContextInjection, Severity: SeverityCritical, Property: "hostile-ids", Relation: rel,
				Tenant: w.TenantID(viewer), TenantLabel: w.Tenants[viewer].Label, Context: "hostile id",
				Statement: tg.Strategy.Script(tg, id),
				Evidence:  []string{fmt.Sprintf("tenant id %q (PostgreSQL reads it as %q) made rows of %s visible", id, canonical, k)}}
			if other >= 0 {
				f.OtherTenant, f.OtherLabel = k, w.Tenants[other].Label
			}
			f.Script = tg.hostileScript(w, id, f)
			return f, nil
		}
	}
	return nil, tg.hostileControl(ctx, tx, w, viewer, st)
}

// hostileControl is the property's positive control: in the same session,
// the viewer's own id set plainly shows rows of the viewer. Without it, a
// setter every id fails on (a policy reading another setting) would pass
// every hostile id for the wrong reason.
func (tg *Target) hostileControl(ctx context.Context, tx pgx.Tx, w *generators.World, viewer int, st *Stats) error {
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_hostile"); err != nil {
		return fmt.Errorf("roll back hostile context: %w", err)
	}
	if err := tg.Strategy.Set(ctx, tx, tg, w.TenantID(viewer)); err != nil {
		return nil // the plain id refused too: no control in this check
	}
	seen, err := tg.visibleTenants(ctx, tx)
	if err != nil {
		return err
	}
	for _, v := range seen {
		if slices.Contains(v.keys, w.TenantID(viewer)) {
			st.sawOwn()
			return nil
		}
	}
	return nil
}

// plainVisible is what the same session shows (relation and tenant key)
// with the context the hostile id is read as set plainly: that tenant's
// context when canonical names a tenant of the world, no context
// otherwise. A hostile value injects only what this does not show.
func (tg *Target) plainVisible(ctx context.Context, tx pgx.Tx, w *generators.World, canonical string) (map[string]bool, error) {
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_hostile"); err != nil {
		return nil, fmt.Errorf("roll back hostile context: %w", err)
	}
	for i := range w.Tenants {
		if w.TenantID(i) == canonical {
			if err := tg.Strategy.Set(ctx, tx, tg, canonical); err != nil {
				return nil, fmt.Errorf("set plain context of %s: %w", w.Tenants[i].Label, err)
			}
		}
	}
	seen, err := tg.visibleTenants(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, v := range seen {
		for _, k := range v.keys {
			out[v.rel+" "+k] = true
		}
	}
	return out, nil
}

func (tg *Target) hostileScript(w *generators.World, id string, f *Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- tenantfuzz reproduction: %s\n-- Run as a superuser against a database holding the same schema and overlays; nothing is kept.\nBEGIN;\n", f.Summary())
	for _, ins := range InsertSQL(w) {
		b.WriteString(ins + "\n")
	}
	fmt.Fprintf(&b, "SET SESSION AUTHORIZATION %s;\n-- the application sets the context from a tenant id it received:\n%s;\n", catalog.QuoteIdent(tg.Config.AppRole), tg.Strategy.Script(tg, id))
	fmt.Fprintf(&b, "-- expected: no row of %s (%s)\nSELECT * FROM %s;\nROLLBACK;\n", f.OtherLabel, f.OtherTenant, f.Relation)
	return b.String()
}
