package router

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// outcome is what one request did, as the servers report it: whether the
// router refused it, the database and tenant context it ran with, the rows
// it saw as that tenant, and what it wrote.
type outcome struct {
	call     hostCall
	rec      *recorder
	refused  error
	db, ctx  string // tenantfuzz.database and app.tenant_id inside the request
	user     string
	seen     []held
	readErr  error
	wrote    int // tenant index the rows were written for, -1: none
	writeErr error
	err      error // the harness could not run the request
}

// observeSQL reads, inside the request, where it runs and as whom.
const observeSQL = "SELECT coalesce(current_setting('tenantfuzz.database', true), ''), coalesce(current_setting('app.tenant_id', true), ''), current_user::text"

// run serves one request through the router, as an application would: it
// reads every tenant table and, for a writing request, inserts a document
// and a chunk for the tenant in context. It touches no checker state, so
// requests can run concurrently; serial numbers the written rows.
func (c *checker) run(ctx context.Context, call hostCall, serial int) outcome {
	o := outcome{call: call, rec: &recorder{}, wrote: -1}
	rctx := withRecorder(ctx, o.rec)
	req, err := c.router.Begin(rctx, call.Host)
	if err != nil {
		o.refused = err
		return o
	}
	defer req.Rollback(ctx)
	o.rec.handedOver()
	if err := req.Tx.QueryRow(rctx, observeSQL).Scan(&o.db, &o.ctx, &o.user); err != nil {
		o.err = fmt.Errorf("observe request: %w", err)
		return o
	}
	if _, err := req.Tx.Exec(rctx, "SAVEPOINT tf_read"); err != nil {
		o.err = fmt.Errorf("savepoint: %w", err)
		return o
	}
	if o.seen, o.readErr = queryHeld(rctx, req.Tx, c.countSQL()); o.readErr != nil {
		if _, err := req.Tx.Exec(rctx, "ROLLBACK TO SAVEPOINT tf_read"); err != nil {
			o.err = fmt.Errorf("rollback read: %w", err)
			return o
		}
	}
	if who := c.w.tenantOf(o.ctx); call.Write && o.readErr == nil && who >= 0 {
		o.wrote, o.writeErr = who, writeRows(rctx, req.Tx, o.ctx, serial, who)
	}
	if err := req.Commit(rctx); err != nil && o.writeErr == nil {
		o.writeErr = fmt.Errorf("commit: %w", err)
	}
	return o
}

// writeRows inserts one document and one chunk for the tenant, with bind
// parameters; ids come from serial so scripts and replays agree.
func writeRows(ctx context.Context, tx pgx.Tx, tenantID string, serial, tenant int) error {
	doc := fmt.Sprintf("5e0a0000-0000-4000-a000-%012d", 2*serial)
	chunk := fmt.Sprintf("5e0a0000-0000-4000-a000-%012d", 2*serial+1)
	if _, err := tx.Exec(ctx, "INSERT INTO documents (id, tenant_id, title, content) VALUES ($1, $2, $3, $4)",
		doc, tenantID, "routed "+generators.Canary(tenant), "written through the router"); err != nil {
		return fmt.Errorf("insert document: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO document_chunks (id, tenant_id, document_id, chunk_index, body) VALUES ($1, $2, $3, 0, $4)",
		chunk, tenantID, doc, "chunk "+generators.Canary(tenant)); err != nil {
		return fmt.Errorf("insert chunk: %w", err)
	}
	return nil
}

// judge checks an outcome: judgeRoute, then judgeRows.
func (c *checker) judge(o outcome, want string, expect map[string]int) (*harness.Finding, error) {
	if f, err := c.judgeRoute(o, want); err != nil || f != nil {
		return f, err
	}
	return c.judgeRows(o, expect)
}

// judgeRoute checks where a request went, in order: a refusal of a
// request that must be served; a borrowed connection that carried
// context; a tenant id in the router's SQL text; the tenant served against
// the one the host names; the database against where the tenant's rows
// are (want, "" when it must be refused).
func (c *checker) judgeRoute(o outcome, want string) (*harness.Finding, error) {
	call := o.call
	if o.err != nil {
		return nil, o.err
	}
	if o.refused != nil {
		c.stats.Rejected++
		if call.Variant == "plain" && call.Names >= 0 && want != "" {
			return c.requestFinding(KindOverRefusal, o, -1, fmt.Sprintf("the router refused Host %q of %s: %v", call.Host, c.w.tenants[call.Names].describe(), o.refused)), nil
		}
		return nil, nil
	}
	c.stats.Statements++
	c.countKind(call.Variant)
	if c.spread() {
		c.stats.Reached++
	}
	served := c.w.tenantOf(o.ctx)
	if f := c.checkRouterSQL(o, served); f != nil {
		return f, nil
	}
	switch {
	case call.Names < 0:
		return c.requestFinding(KindHostMisroute, o, served, fmt.Sprintf("Host %q names no tenant (%s), yet it was served on %s with app.tenant_id %q%s", call.Host, call.Variant, o.db, o.ctx, c.labelOf(served))), nil
	case served != call.Names:
		return c.requestFinding(KindHostMisroute, o, served, fmt.Sprintf("Host %q names %s, yet it was served on %s with app.tenant_id %q%s", call.Host, c.w.tenants[call.Names].Label, o.db, o.ctx, c.labelOf(served))), nil
	case want == "":
		return c.requestFinding(KindCrossDatabase, o, served, fmt.Sprintf("%s has a tier the router must refuse, yet Host %q was served by %s", c.w.tenants[served].describe(), call.Host, o.db)), nil
	case o.db != want:
		return c.requestFinding(KindCrossDatabase, o, served, fmt.Sprintf("%s was served by %s (Host %q); its rows are in %s", c.w.tenants[served].describe(), o.db, call.Host, want)), nil
	}
	return nil, nil
}

// judgeRows checks what a served request saw against its tenant's rows
// (expect, per table) and records the rows it wrote.
func (c *checker) judgeRows(o outcome, expect map[string]int) (*harness.Finding, error) {
	if o.refused != nil {
		return nil, nil
	}
	served := c.w.tenantOf(o.ctx)
	if o.readErr != nil {
		return nil, fmt.Errorf("read as %s on %s: %w", c.w.tenants[served].Label, o.db, o.readErr)
	}
	if f := c.checkSeen(o, served, expect); f != nil {
		return f, nil
	}
	if o.wrote >= 0 {
		if o.writeErr != nil {
			return nil, fmt.Errorf("write as %s on %s: %w", c.w.tenants[o.wrote].Label, o.db, o.writeErr)
		}
		c.w.counts[o.wrote]["documents"]++
		c.w.counts[o.wrote]["document_chunks"]++
	}
	return nil, nil
}

// checkRouterSQL looks at what the request's connections carried when
// borrowed, and at the SQL text the router sent.
func (c *checker) checkRouterSQL(o outcome, served int) *harness.Finding {
	role := c.env.Shared.Target.Config.AppRole
	for _, b := range o.rec.borrowed() {
		if b.context != "" || b.user != role {
			f := c.requestFinding(harness.KindContextLeak, o, served, fmt.Sprintf("a connection to %s borrowed for Host %q still held app.tenant_id %q%s and current_user %s from an earlier request", b.db, o.call.Host, b.context, c.labelOf(c.w.tenantOf(b.context)), b.user))
			return f
		}
	}
	for _, s := range o.rec.statements() {
		for _, t := range c.w.tenants {
			if strings.Contains(strings.ToLower(s.sql), strings.ToLower(t.ID)) || strings.Contains(s.sql, catalog.QuoteLiteral(t.Slug)) {
				return c.requestFinding(KindFormattedContext, o, served, fmt.Sprintf("the router sent %s's id or slug inside the SQL text on %s, not as a bind parameter: %s", t.Label, s.db, sqltree.OneLine(s.sql, 0)))
			}
		}
	}
	return nil
}

// checkSeen compares the rows the tenant saw with its rows.
func (c *checker) checkSeen(o outcome, served int, expect map[string]int) *harness.Finding {
	t := c.w.tenants[served]
	got := map[string]int{}
	for _, h := range o.seen {
		c.stats.Rows += h.n
		if !strings.EqualFold(h.tenant, t.ID) {
			return c.requestFinding(harness.KindCrossTenantRead, o, c.w.tenantOf(h.tenant), fmt.Sprintf("%s, served by %s, saw %d rows of %s in %s", t.Label, o.db, h.n, c.nameOf(h.tenant), h.table))
		}
		got[h.table] += h.n
	}
	for _, tc := range c.tables() {
		if got[tc.name] != expect[tc.name] {
			return c.requestFinding(KindCrossDatabase, o, served, fmt.Sprintf("%s was served by %s, which holds %d of its %d rows in %s", t.describe(), o.db, got[tc.name], expect[tc.name], tc.name))
		}
	}
	return nil
}

// labelOf is " (T3)" for a world tenant, "" otherwise.
func (c *checker) labelOf(i int) string {
	if i < 0 {
		return ""
	}
	return " (" + c.w.tenants[i].Label + ")"
}

// nameOf labels a tenant key: "T3" or the key itself.
func (c *checker) nameOf(id string) string {
	if i := c.w.tenantOf(id); i >= 0 {
		return c.w.tenants[i].Label
	}
	return fmt.Sprintf("%q (no tenant of the world)", id)
}

// expected copies tenant i's current row counts (what it must see).
func (c *checker) expected(i int) map[string]int {
	out := map[string]int{}
	if i >= 0 {
		for k, v := range c.w.counts[i] {
			out[k] = v
		}
	}
	return out
}

// countKind counts a served request by kind (its host variant, or
// "waited" for one that waited out a migration).
func (c *checker) countKind(kind string) {
	if c.stats.ByKind == nil {
		c.stats.ByKind = map[string]int{}
	}
	c.stats.ByKind[kind]++
}
