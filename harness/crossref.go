package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"pgregory.net/rapid"
)

// KindCrossTenantReference: a tenant's write made one of its rows
// reference another tenant's key through a foreign key (the key check runs
// without row-level security): the tenant learns the key exists and its
// data now hangs off the other tenant's (docs/leaks.md entry 41).
const KindCrossTenantReference Kind = "cross-tenant-reference"

// CrossReference is the property: a tenant cannot make its rows reference
// another tenant's keys. For every foreign key of a tenant table the
// application role may update, from its columns to a tenant table
// (CrossReferenceKeys), tenant B updates one of its rows to point at a key
// of tenant A's (a row B cannot see); the write must be refused. When it
// succeeds that is a cross-tenant-reference finding (high) naming the key,
// and A then deletes, and updates the key of, its referenced row, as A:
// any change to B's rows (ON DELETE/UPDATE CASCADE, SET NULL, SET DEFAULT)
// is a cross-tenant-write finding naming the key and its action
// (docs/leaks.md entries 41, 42).
//
// Reach: a check reaches when A holds a row with the referenced key and
// the same update of B's row pointing at a key of B's own succeeds (the
// write is valid but for whose key it names). That own-key update is the
// positive control. A key that carries the tenant (tenant_id, id) is clean
// by construction: B's row keeps B's tenant, so A's key never matches.
//
// B is the drawn viewer, or the next tenant holding a row of the table and
// a key it references; A the drawn other tenant, or the next holding a key.
//
// B's write is an UPDATE of one of its rows or, where the role may insert,
// an INSERT of a copy of one (a new primary key where it is a uuid or has
// a default; other unique keys may refuse the copy, which the control then
// shows).
//
// Limits: tables the role may insert into but not update are not probed;
// a foreign key made of the
// tenant column alone is write-isolation's (a row written under another
// tenant's id), and so is the key through which a table without a tenant
// column belongs to a tenant (a row moved to another tenant). A key that
// points at another tenant by design (a row shared with a tenant named by
// its id) is reported all the same. Membership tenancy is not modelled.
var CrossReference = &Property{
	Name:    "cross-reference",
	Title:   "a tenant's rows cannot reference another tenant's keys",
	Labels:  []string{"write", "soc2:CC6.1"},
	control: true,
	Relations: func(c *catalog.Catalog) []*catalog.Relation {
		var out []*catalog.Relation
		for _, r := range writableTenantTables(c) {
			if r.Priv.Update && len(r.ForeignKeys) > 0 {
				out = append(out, r)
			}
		}
		return out
	},
	Applies: func(tg *Target, subj Subject) (bool, string) {
		if len(CrossReferenceKeys(tg.Catalog, subj.Rel)) > 0 {
			return true, ""
		}
		return false, subj.Name + " has no foreign key to another tenant table a tenant could point elsewhere (its keys are the tenant column alone, or the key it belongs to a tenant through, or to tables without tenant rows)"
	},
	check: func(ctx context.Context, tg *Target, subj Subject, opts RunOptions, st *CheckState) func(*rapid.T) {
		rel := subj.Rel
		keys := CrossReferenceKeys(tg.Catalog, rel)
		return worldRun(tg, opts, st, func(rt *rapid.T, w *generators.World, viewer int) (*Finding, Stats, error) {
			var stats Stats
			if len(w.Tenants) < 2 {
				stats.checked(w)
				return nil, stats, nil
			}
			x := xref{
				fk:    keys[rapid.IntRange(0, len(keys)-1).Draw(rt, "foreign key")],
				other: rapid.IntRange(0, len(w.Tenants)-2).Draw(rt, "owner of the key"),
				pick:  rapid.IntRange(0, 1<<16).Draw(rt, "rows"),
			}
			if rel.Priv.Insert {
				x.insert = rapid.Bool().Draw(rt, "insert a copy")
			}
			if x.other >= viewer {
				x.other++
			}
			p := probe{world: w, viewer: viewer, property: "cross-reference", relation: rel.String(), kind: KindCrossTenantReference}
			f, err := tg.crossRefProbe(ctx, p, rel, x, &stats)
			return f, stats, err
		})
	},
}

// CrossReferenceKeys lists the foreign keys of rel the property probes:
// those to a table holding tenant rows, except one made of the tenant
// column alone and the one rel belongs to a tenant through.
func CrossReferenceKeys(c *catalog.Catalog, rel *catalog.Relation) []catalog.ForeignKey {
	var out []catalog.ForeignKey
	for _, fk := range rel.ForeignKeys {
		ref := c.Relation(fk.RefTable)
		if ref == nil || !ref.IsTable() || !c.Owned(ref) {
			continue
		}
		if rel.Parent != nil && rel.Parent.Name == fk.Name {
			continue
		}
		if len(settable(rel, fk)) == 0 {
			continue
		}
		out = append(out, fk)
	}
	return out
}

// settable are the indexes of the key's columns a tenant points elsewhere:
// all but the tenant column.
func settable(rel *catalog.Relation, fk catalog.ForeignKey) []int {
	var out []int
	for i, col := range fk.Columns {
		if rel.TenantColumn == "" || col != rel.TenantColumn {
			out = append(out, i)
		}
	}
	return out
}

// xref is one check's draw: the key, the tenant whose key B names, and
// which rows to take.
type xref struct {
	fk     catalog.ForeignKey
	other  int
	pick   int
	insert bool // insert a copy of B's row instead of updating it
}

// keyRows reads, as the admin, the non-NULL values of cols in rel's rows of
// tenant t, as text, in a fixed order.
func (tg *Target) keyRows(ctx context.Context, tx pgx.Tx, rel *catalog.Relation, cols []string, t string) ([][]string, error) {
	cond, ok := tg.Catalog.TenantFilter(rel, "", catalog.QuoteLiteral(t))
	if !ok {
		return nil, nil
	}
	var items, notNull []string
	for _, c := range cols {
		items = append(items, catalog.QuoteIdent(c)+"::text")
		notNull = append(notNull, catalog.QuoteIdent(c)+" IS NOT NULL")
	}
	q := fmt.Sprintf("SELECT ARRAY[%s] FROM %s WHERE %s AND %s ORDER BY 1", strings.Join(items, ", "), rel.QualifiedName(), cond, strings.Join(notNull, " AND "))
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read keys of %s: %w", rel, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var v []string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read keys of %s: %w", rel, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// match is the condition cols = vals.
func match(cols, vals []string) string {
	var parts []string
	for i, c := range cols {
		parts = append(parts, catalog.QuoteIdent(c)+" = "+catalog.QuoteLiteral(vals[i]))
	}
	return strings.Join(parts, " AND ")
}

// repointSQL updates B's row (where) so that the key's settable columns
// hold key (values of the referenced columns).
func repointSQL(rel *catalog.Relation, fk catalog.ForeignKey, key []string, where string) generators.Statement {
	var set []string
	for _, i := range settable(rel, fk) {
		set = append(set, catalog.QuoteIdent(fk.Columns[i])+" = "+catalog.QuoteLiteral(key[i]))
	}
	sql := fmt.Sprintf("UPDATE %s SET %s WHERE %s RETURNING 1", rel.QualifiedName(), strings.Join(set, ", "), where)
	return generators.Statement{SQL: sql, Kind: "update-reference", Write: true, Target: rel.String(), Relations: []string{rel.String()}}
}

// copySQL inserts a copy of B's row (where) whose key's settable columns
// hold key: primary-key columns with a default are left to it, uuid ones
// derived from the original, generated and identity columns omitted. ok
// is false when a primary-key column can be neither.
func copySQL(rel *catalog.Relation, fk catalog.ForeignKey, key []string, where string) (generators.Statement, bool) {
	set := map[string]string{}
	for _, i := range settable(rel, fk) {
		set[fk.Columns[i]] = catalog.QuoteLiteral(key[i])
	}
	var cols, exprs []string
	for _, c := range rel.Columns {
		q := catalog.QuoteIdent(c.Name)
		pk := slices.Contains(rel.PrimaryKey, c.Name)
		var e string
		switch {
		case c.Generated || c.Identity:
			continue
		case set[c.Name] != "":
			e = set[c.Name]
		case pk && c.HasDefault:
			continue
		case pk && c.BaseType == "uuid":
			e = "md5(" + q + "::text || 'tf-copy')::uuid"
		case pk:
			return generators.Statement{}, false
		default:
			e = q
		}
		cols, exprs = append(cols, q), append(exprs, e)
	}
	sql := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s RETURNING 1", rel.QualifiedName(), strings.Join(cols, ", "), strings.Join(exprs, ", "), rel.QualifiedName(), where)
	return generators.Statement{SQL: sql, Kind: "insert-reference", Write: true, Target: rel.String(), Relations: []string{rel.String()}}, true
}

// crossRefProbe runs one check: B points a row at its own key (control),
// then at A's; if that succeeds, A deletes and re-keys the referenced row
// and B's rows must not change.
func (tg *Target) crossRefProbe(ctx context.Context, p probe, rel *catalog.Relation, x xref, st *Stats) (*Finding, error) {
	w := p.world
	ref := tg.Catalog.Relation(x.fk.RefTable)
	tx, err := tg.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '5s'"); err != nil {
		return nil, fmt.Errorf("set statement_timeout: %w", err)
	}
	if _, err := loadWorld(ctx, tx, w); err != nil {
		return nil, err
	}
	st.checked(w)
	keyCols := rel.PrimaryKey
	if len(keyCols) == 0 {
		keyCols = []string{"ctid"}
	}
	// B is the drawn viewer, or the next tenant that holds a row to point
	// and a key of its own to point at; A the drawn other tenant, or the
	// next one holding a key (worlds where few tenants hold rows deep in a
	// chain of keys would otherwise rarely reach).
	n := len(w.Tenants)
	rows, keys := make([][][]string, n), make([][][]string, n)
	for t := range n {
		if rows[t], err = tg.keyRows(ctx, tx, rel, keyCols, w.TenantID(t)); err != nil {
			return nil, err
		}
		if keys[t], err = tg.keyRows(ctx, tx, ref, x.fk.RefColumns, w.TenantID(t)); err != nil {
			return nil, err
		}
	}
	b := -1
	for i := range n {
		if t := (p.viewer + i) % n; len(rows[t]) > 0 && len(keys[t]) > 0 {
			b = t
			break
		}
	}
	if b < 0 {
		return nil, nil // no tenant has a row to point and a key of its own to point at
	}
	a := -1
	for i := range n {
		if t := (x.other + i) % n; t != b && len(keys[t]) > 0 {
			a = t
			break
		}
	}
	if a < 0 {
		a = (b + 1) % n // no other tenant holds a key: the check cannot reach
	}
	p.viewer, x.other = b, a
	mine, own, theirs := rows[b], keys[b], keys[a]
	where := match(keyCols, mine[x.pick%len(mine)])
	write := repointSQL
	if _, ok := copySQL(rel, x.fk, own[0], where); x.insert && ok {
		write = func(rel *catalog.Relation, fk catalog.ForeignKey, key []string, where string) generators.Statement {
			s, _ := copySQL(rel, fk, key, where)
			return s
		}
	}
	control := write(rel, x.fk, own[x.pick%len(own)], where)
	if ok, err := tg.setContext(ctx, tx, ctxTenant, p.viewer, w); err != nil || !ok {
		return nil, err
	}
	role := tg.tenantRole(w, p.viewer)
	out := tg.execWrite(ctx, tx, role, control)
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_write"); err != nil {
		return nil, fmt.Errorf("roll back write: %w", err)
	}
	st.Statements++
	count(&st.ByKind, control.Kind)
	if out.code != "" {
		if !isRejection(out.code) {
			st.discard(control.Kind, control.SQL, out.err)
		} else {
			st.reject(out.err)
		}
		return nil, nil
	}
	if out.rows == 0 {
		return nil, nil
	}
	st.sawOwn() // B may point its row at its own key
	if len(theirs) == 0 {
		return nil, nil // A holds no key there: nothing to reach
	}
	key := theirs[x.pick%len(theirs)]
	s := write(rel, x.fk, key, where)
	st.Reached++
	st.Statements++
	count(&st.ByKind, s.Kind)
	out = tg.execWrite(ctx, tx, role, s)
	if out.code != "" || out.rows == 0 {
		if out.code != "" {
			st.reject(out.err)
		}
		return nil, nil // refused: the key carries the tenant, or a policy stops it
	}
	count(&st.ByRelation, s.Target)
	st.Rows += out.rows
	p.stmts = []generators.Statement{s}
	row := fmt.Sprintf("%s's row of %s (%s)", w.ViewerLabel(p.viewer), rel, where)
	if s.Kind == "insert-reference" {
		row = fmt.Sprintf("%s's new row of %s (a copy of %s)", w.ViewerLabel(p.viewer), rel, where)
	}
	ev := []string{fmt.Sprintf("%s now references %s's row of %s (%s) through foreign key %s",
		row, w.Tenants[x.other].Label, ref, match(x.fk.RefColumns, key), x.fk.Name)}
	// The write stays: A now acts on its referenced row.
	ch, action, err := tg.ownerActs(ctx, tx, p, ref, x, key)
	if err != nil {
		return nil, err
	}
	if len(ch) > 0 {
		for _, c := range ch {
			ev = append(ev, fmt.Sprintf("%s by %s changed rows of %s in %s (foreign key %s)", action.SQL, w.Tenants[x.other].Label, labelOf(w, c.tenant), c.relation, x.fk.Name))
		}
		// The actor is A, whose own write changed B's rows.
		pa := p
		pa.viewer = x.other
		f := tg.finding(pa, KindCrossTenantWrite, ctxTenant, action, p.viewer, ev, rel.String())
		f.Statement = "as " + w.ViewerLabel(p.viewer) + ": " + s.SQL + ";  then as " + w.ViewerLabel(x.other) + ": " + action.SQL
		tg.crossRefScript(f, p, rel, x, s, &action)
		return f, nil
	}
	f := tg.finding(p, KindCrossTenantReference, ctxTenant, s, x.other, ev, rel.String())
	tg.crossRefScript(f, p, rel, x, s, nil)
	return f, nil
}

// labelOf names a tenant id by its label in the world.
func labelOf(w *generators.World, id string) string {
	for _, t := range w.Tenants {
		if t.ID == id {
			return t.Label
		}
	}
	if id == "" {
		return "no tenant"
	}
	return id
}

// ownerActs runs, as tenant A, a DELETE of its referenced row and an
// UPDATE of its key, each rolled back, and returns the first that changed
// rows of another tenant, with those changes.
func (tg *Target) ownerActs(ctx context.Context, tx pgx.Tx, p probe, ref *catalog.Relation, x xref, key []string) ([]change, generators.Statement, error) {
	w := p.world
	cond := match(x.fk.RefColumns, key)
	acts := []string{fmt.Sprintf("DELETE FROM %s WHERE %s RETURNING 1 /* ON DELETE %s */", ref.QualifiedName(), cond, x.fk.OnDelete)}
	var set []string
	for _, c := range x.fk.RefColumns {
		col := ref.Column(c)
		if col == nil || c == ref.TenantColumn {
			continue
		}
		switch {
		case col.BaseType == "uuid":
			set = append(set, catalog.QuoteIdent(c)+" = md5("+catalog.QuoteIdent(c)+"::text)::uuid")
		case strings.HasPrefix(col.BaseType, "int"):
			set = append(set, catalog.QuoteIdent(c)+" = -"+catalog.QuoteIdent(c))
		case col.BaseType == "text" || col.BaseType == "varchar":
			set = append(set, catalog.QuoteIdent(c)+" = "+catalog.QuoteIdent(c)+" || '-rekeyed'")
		}
	}
	if len(set) > 0 {
		acts = append(acts, fmt.Sprintf("UPDATE %s SET %s WHERE %s RETURNING 1 /* ON UPDATE %s */", ref.QualifiedName(), strings.Join(set, ", "), cond, x.fk.OnUpdate))
	}
	before, err := tg.takeDigests(ctx, tx)
	if err != nil {
		return nil, generators.Statement{}, err
	}
	if ok, err := tg.setContext(ctx, tx, ctxTenant, x.other, w); err != nil || !ok {
		return nil, generators.Statement{}, err
	}
	allowed := map[string]bool{w.TenantID(x.other): true}
	for _, sql := range acts {
		s := generators.Statement{SQL: sql, Kind: "owner-" + strings.ToLower(strings.Fields(sql)[0]), Write: true, Target: ref.String()}
		out := tg.execWrite(ctx, tx, tg.tenantRole(w, x.other), s)
		var after digests
		if out.code == "" {
			if after, err = tg.takeDigests(ctx, tx); err != nil {
				return nil, s, err
			}
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_write"); err != nil {
			return nil, s, fmt.Errorf("roll back write: %w", err)
		}
		if out.code != "" {
			continue // A may not (RESTRICT, NO ACTION, no privilege): B's rows are safe from it
		}
		if ch := changed(before, after, allowed); len(ch) > 0 {
			return ch, s, nil
		}
	}
	return nil, generators.Statement{}, nil
}

// crossRefScript replaces the finding's script with one that replays the
// whole sequence in psql: B's update, then (for a write finding) A's
// action, then B's rows as the superuser.
func (tg *Target) crossRefScript(f *Finding, p probe, rel *catalog.Relation, x xref, s generators.Statement, action *generators.Statement) {
	w := p.world
	var sb strings.Builder
	fmt.Fprintf(&sb, "-- tenantfuzz reproduction: %s\n", f.Summary())
	sb.WriteString("-- Run as a superuser against a database holding the same schema and overlays:\n")
	sb.WriteString("--   psql -v ON_ERROR_STOP=1 -f repro.sql <database>\n")
	sb.WriteString("-- Nothing is kept: the transaction is rolled back.\n")
	sb.WriteString("BEGIN;\n")
	for _, ins := range InsertSQL(w) {
		sb.WriteString(ins + "\n")
	}
	sb.WriteString(refreshSQL(w))
	b, a := w.ViewerLabel(p.viewer), w.ViewerLabel(x.other)
	fmt.Fprintf(&sb, "SET LOCAL ROLE %s;\n%s; -- context of %s\n", catalog.QuoteIdent(tg.tenantRole(w, p.viewer)), tg.Strategy.Script(tg, w.ContextID(p.viewer)), b)
	fmt.Fprintf(&sb, "-- expected: refused (foreign key %s must not accept %s's key)\n", x.fk.Name, a)
	for _, e := range f.Evidence {
		fmt.Fprintf(&sb, "-- tenantfuzz saw: %s\n", e)
	}
	sb.WriteString(s.SQL + ";\nRESET ROLE;\n")
	if action != nil {
		fmt.Fprintf(&sb, "SET LOCAL ROLE %s;\n%s; -- context of %s\n", catalog.QuoteIdent(tg.tenantRole(w, x.other)), tg.Strategy.Script(tg, w.ContextID(x.other)), a)
		fmt.Fprintf(&sb, "-- expected: %s's rows are unchanged by %s's write\n%s;\nRESET ROLE;\n", b, a, action.SQL)
	}
	if cond, ok := tg.Catalog.TenantFilter(rel, "", catalog.QuoteLiteral(w.TenantID(p.viewer))); ok {
		fmt.Fprintf(&sb, "-- %s's rows of %s, as the superuser:\nSELECT * FROM %s WHERE %s;\n", b, rel, rel.QualifiedName(), cond)
	}
	sb.WriteString("ROLLBACK;\n")
	f.Script = sb.String()
	f.Repro = nil // the reproduction is two requests; the script holds it
}
