package router

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Beginner opens transactions: a pool or a connection.
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// TableRows are one tenant's rows of one table: row key (the primary key
// as text, or the row's hash where there is none) -> md5 of the row.
type TableRows struct {
	Table  string            `json:"table"`
	Count  int               `json:"count"`
	Digest string            `json:"digest"` // md5 over the sorted key=hash lines
	Rows   map[string]string `json:"rows"`
}

// stableSettings make row text identical across servers and sessions.
const stableSettings = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'"

// readTenant reads the tenant's rows of every table in one repeatable-read
// snapshot. Columns are hashed by name in the order of cat, so a target
// whose columns were created in another order compares equal.
func readTenant(ctx context.Context, db Beginner, cat *catalog.Catalog, tables []*catalog.Relation, tenant string) (map[string]*TableRows, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, stableSettings); err != nil {
		return nil, err
	}
	out := map[string]*TableRows{}
	for _, r := range tables {
		tr, err := readTable(ctx, tx, cat, r, tenant)
		if err != nil {
			return nil, err
		}
		out[r.String()] = tr
	}
	return out, nil
}

func readTable(ctx context.Context, tx pgx.Tx, cat *catalog.Catalog, r *catalog.Relation, tenant string) (*TableRows, error) {
	filter, _ := cat.TenantFilter(r, "t", "$1")
	var cols, keys []string
	for _, c := range r.Columns {
		cols = append(cols, "t."+catalog.QuoteIdent(c.Name))
	}
	for _, k := range r.PrimaryKey {
		keys = append(keys, "t."+catalog.QuoteIdent(k))
	}
	row := "md5(row(" + strings.Join(cols, ", ") + ")::text)"
	key := row
	if len(keys) > 0 {
		key = "row(" + strings.Join(keys, ", ") + ")::text"
	}
	rows, err := tx.Query(ctx, "SELECT "+key+", "+row+" FROM ONLY "+r.QualifiedName()+" t WHERE "+filter, tenant)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w (does the database hold the same schema?)", r, err)
	}
	defer rows.Close()
	tr := &TableRows{Table: r.String(), Rows: map[string]string{}}
	for rows.Next() {
		var k, h string
		if err := rows.Scan(&k, &h); err != nil {
			return nil, fmt.Errorf("read %s: %w", r, err)
		}
		for base, n := k, 1; ; n++ { // rows without a key may repeat
			if _, dup := tr.Rows[k]; !dup {
				break
			}
			k = fmt.Sprintf("%s#%d", base, n)
		}
		tr.Rows[k] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", r, err)
	}
	tr.Count, tr.Digest = len(tr.Rows), digestRows(tr.Rows)
	return tr, nil
}

// digestRows is the md5 of the sorted "key=hash" lines.
func digestRows(rows map[string]string) string {
	lines := make([]string, 0, len(rows))
	for k, h := range rows {
		lines = append(lines, k+"="+h)
	}
	sort.Strings(lines)
	sum := md5.Sum([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

// countOthers counts, per table, the rows of other tenants.
func countOthers(ctx context.Context, db Beginner, cat *catalog.Catalog, tables []*catalog.Relation, tenant string) (map[string]int, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	out := map[string]int{}
	for _, r := range tables {
		filter, _ := cat.TenantFilter(r, "t", "$1")
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM ONLY "+r.QualifiedName()+" t WHERE NOT coalesce(("+filter+"), false)", tenant).Scan(&n); err != nil {
			return nil, fmt.Errorf("count other tenants' rows of %s: %w", r, err)
		}
		out[r.String()] = n
	}
	return out, nil
}
