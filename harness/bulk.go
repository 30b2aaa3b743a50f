package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// BulkOptions size a large persistent world.
type BulkOptions struct {
	// Tenants is the number of tenants (default 10,000).
	Tenants int
	// PerTenant is the number of rows each tenant gets in every tenant
	// table other than the tenants table (default 33: with the reference
	// schema's three such tables, 100 rows per tenant).
	PerTenant int
	// Triggers keeps triggers, foreign-key checks included, firing for
	// every row. By default a superuser loads with session_replication_role
	// = replica, as pg_restore --disable-triggers does: rows are consistent
	// by construction and a trigger must not rewrite the ground truth.
	Triggers bool
}

func (o *BulkOptions) defaults() {
	if o.Tenants <= 0 {
		o.Tenants = 10000
	}
	if o.PerTenant <= 0 {
		o.PerTenant = 33
	}
}

// BulkWorld is a large world loaded by BulkLoad. Every value is a pure
// function of (table, tenant, row, column), so the world is described by its
// size alone: its memory does not grow with its rows.
type BulkWorld struct {
	Tenants   int
	PerTenant int
	// Rows counts the rows loaded per relation (catalog.Relation.String).
	Rows map[string]int64
	// Total is the sum of Rows.
	Total int64
	// Load is the wall time of the load: truncate, COPY, ANALYZE, commit.
	Load time.Duration
	// Copy is the time of each relation's COPY, Index that of building the
	// indexes and constraints after it (bulkindexes.go), Analyze that of
	// ANALYZE.
	Copy    map[string]time.Duration
	Index   time.Duration
	Analyze time.Duration

	plans   []*bulkPlan         // how each table was filled: renders any row again
	saved   []int               // plans whose seeded rows DropBulk restores
	seqs    map[string]seqState // sequences before the load, rewound by DropBulk
	tenants []generators.Tenant // all tenants, shared by the checks' views
}

// TenantID returns the id of tenant i (0-based), the same as the small
// worlds' (generators.World.TenantID).
func (w *BulkWorld) TenantID(i int) string { return w.tenants[i].ID }

// BulkLoad replaces the rows of every tenant table of the target with a
// large generated world (the target's large world until DropBulk), in one
// transaction on one connection: TRUNCATE, then one COPY FREEZE per table
// in foreign-key order into tables stripped of the indexes and constraints
// that can be rebuilt exactly (deferredIndexes; superuser loads without
// Triggers), then their rebuild and ANALYZE (what pgbench -i does for its
// tables). Every tenant gets one row in the tenants
// table and PerTenant rows in every other tenant table; each row references
// parents of its own tenant, key columns are unique, text carries the
// tenant's canary ([tf:N]) and uuids carry the tenant's number, so returned
// values can be traced to their owner. A large world already loaded is
// dropped first (DropBulk, not timed), so the rows the schema seeded are
// the ones set aside, never a previous large world's.
func (tg *Target) BulkLoad(ctx context.Context, opts BulkOptions) (*BulkWorld, error) {
	opts.defaults()
	if err := tg.DropBulk(ctx); err != nil {
		return nil, fmt.Errorf("bulk load: %w", err)
	}
	start := time.Now()
	tenants := generators.LargeTenants(opts.Tenants)
	plans, err := bulkPlans(tg.Catalog, opts, tenants)
	if err != nil {
		return nil, err
	}
	seqs, err := readSequences(ctx, tg.Pool) // DropBulk rewinds what the load advanced
	if err != nil {
		return nil, fmt.Errorf("bulk load: %w", err)
	}
	conn, err := tg.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk load: acquire connection: %w", err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk load: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if !opts.Triggers && tg.DB.Superuser {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return nil, fmt.Errorf("bulk load: disable triggers: %w", err)
		}
	}
	names := planNames(plans)
	rels := planRelations(plans)
	saved, err := saveSeeded(ctx, tx, rels) // rows the schema seeded come back with DropBulk
	if err != nil {
		return nil, err
	}
	if err := truncatePlans(ctx, tx, names); err != nil {
		return nil, err
	}
	var deferred *deferredIndexes
	if !opts.Triggers && tg.DB.Superuser { // build indexes after the COPY (bulkindexes.go)
		if deferred, err = readDeferred(ctx, tx, names); err == nil {
			err = deferred.drop(ctx, tx)
		}
		if err != nil {
			return nil, fmt.Errorf("bulk load: defer indexes: %w", err)
		}
	}
	w := &BulkWorld{Tenants: opts.Tenants, PerTenant: opts.PerTenant, Rows: map[string]int64{}, Copy: map[string]time.Duration{}}
	for _, p := range plans {
		t := time.Now()
		n, err := copyPlan(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		w.Rows[p.rel.String()] = n
		w.Copy[p.rel.String()] = time.Since(t)
		w.Total += n
	}
	if deferred != nil {
		t := time.Now()
		if err := deferred.restore(ctx, tx); err != nil {
			return nil, fmt.Errorf("bulk load: %w", err)
		}
		w.Index = time.Since(t)
	}
	if err := refreshMatViews(ctx, tx, tg.Catalog); err != nil {
		return nil, fmt.Errorf("bulk load: %w", err)
	}
	t := time.Now()
	if _, err := tx.Exec(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return nil, fmt.Errorf("bulk load: analyze: %w", err)
	}
	w.Analyze = time.Since(t)
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("bulk load: commit: %w", err)
	}
	w.Load = time.Since(start)
	w.plans, w.tenants, w.saved, w.seqs = plans, tenants, saved, seqs
	tg.large = w
	return w, nil
}

// planRelations lists the plans' tables.
func planRelations(plans []*bulkPlan) []*catalog.Relation {
	out := make([]*catalog.Relation, len(plans))
	for i, p := range plans {
		out[i] = p.rel
	}
	return out
}

// planNames lists the plans' tables, quoted.
func planNames(plans []*bulkPlan) []string {
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = p.rel.QualifiedName()
	}
	return names
}

// truncatePlans empties the tables about to be loaded.
func truncatePlans(ctx context.Context, q Execer, names []string) error {
	if _, err := q.Exec(ctx, "TRUNCATE "+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("bulk load: truncate tenant tables: %w: a table outside the tenant tables references them; empty it first", err)
	}
	return nil
}

// copyPlan streams one table's rows through COPY FREEZE (the table was
// truncated in the same transaction) and returns how many the server took.
func copyPlan(ctx context.Context, tx pgx.Tx, p *bulkPlan) (int64, error) {
	cols := make([]string, len(p.cols))
	for i, c := range p.cols {
		cols[i] = catalog.QuoteIdent(c.name)
	}
	sql := "COPY " + p.rel.QualifiedName() + " (" + strings.Join(cols, ", ") + ") FROM STDIN"
	if p.rel.Kind != catalog.KindPartitioned { // refused on partitioned tables
		sql += " (FREEZE)"
	}
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, newBulkReader(p), sql)
	if err != nil {
		return 0, fmt.Errorf("bulk load: copy %s: %w", p.rel, err)
	}
	return tag.RowsAffected(), nil
}

// bulkReader renders a plan's rows as COPY text on demand, tenant by
// tenant, so a load holds one buffer, not its rows.
type bulkReader struct {
	p           *bulkPlan
	tenant, row int
	buf         []byte
	off         int
}

// bulkChunk is how much COPY text a bulkReader renders at a time.
const bulkChunk = 256 << 10

func newBulkReader(p *bulkPlan) *bulkReader {
	return &bulkReader{p: p, buf: make([]byte, 0, bulkChunk+4096)}
}

// Read implements io.Reader.
func (r *bulkReader) Read(b []byte) (int, error) {
	if r.off == len(r.buf) {
		r.fill()
		if len(r.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(b, r.buf[r.off:])
	r.off += n
	return n, nil
}

// fill renders the next rows into buf.
func (r *bulkReader) fill() {
	r.buf, r.off = r.buf[:0], 0
	for len(r.buf) < bulkChunk && r.tenant < r.p.tenants {
		r.buf = r.p.appendRow(r.buf, r.tenant, r.row)
		r.row++
		if r.row == r.p.perTenant {
			r.tenant, r.row = r.tenant+1, 0
		}
	}
}

// errBulkColumn marks a column the bulk loader cannot fill.
var errBulkColumn = errors.New("no bulk value")
