package router

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Baseline is a tenant's rows in the source before a migration, per table
// (tenantfuzz migrate-check --save-baseline writes it as JSON).
type Baseline struct {
	Tenant string       `json:"tenant"`
	Taken  time.Time    `json:"taken"`
	Tables []*TableRows `json:"tables"`
}

// TakeBaseline reads the tenant's rows of every tenant table of the source.
func TakeBaseline(ctx context.Context, from Beginner, cat *catalog.Catalog, tenant string) (*Baseline, error) {
	tables := migrationTables(cat)
	rows, err := readTenant(ctx, from, cat, tables, tenant)
	if err != nil {
		return nil, fmt.Errorf("take baseline: %w", err)
	}
	b := &Baseline{Tenant: tenant, Taken: time.Now().UTC()}
	for _, t := range tables {
		b.Tables = append(b.Tables, rows[t.String()])
	}
	return b, nil
}

func (b *Baseline) table(name string) *TableRows {
	for _, t := range b.Tables {
		if t.Table == name {
			return t
		}
	}
	return nil
}

// CheckOptions configure CheckMigration.
type CheckOptions struct {
	// Baseline is the tenant's rows before the migration. Nil makes the
	// source's current rows the baseline: a copy check, run before the
	// source is cleared, in which rows still in the source are not judged.
	Baseline *Baseline
	// AllowOthers accepts rows of other tenants in the target (a target
	// that is not a dedicated database).
	AllowOthers bool
}

// TableCheck is the verdict on one table.
type TableCheck struct {
	Table          string `json:"table"`
	Directory      bool   `json:"directory,omitempty"` // the tenants table: the source keeps its entry
	Baseline       int    `json:"baseline"`
	BaselineDigest string `json:"baseline_digest"`
	Target         int    `json:"target"`
	TargetDigest   string `json:"target_digest"`
	Source         int    `json:"source"`  // the tenant's rows still in the source
	Lost           int    `json:"lost"`    // baseline rows missing from the target
	Changed        int    `json:"changed"` // baseline rows present but different
	Extra          int    `json:"extra"`   // target rows the baseline lacks (later writes)
	Others         int    `json:"others"`  // other tenants' rows in the target
}

// MigrationReport is what CheckMigration found.
type MigrationReport struct {
	Tenant       string             `json:"tenant"`
	BaselineFrom string             `json:"baseline_from"` // "baseline taken <time>" or "source (copy check)"
	Tables       []TableCheck       `json:"tables"`
	Findings     []*harness.Finding `json:"findings"`
	copyCheck    bool
}

// CheckMigration verifies that a tenant moved from one database to another
// (the reference Migrate, or anyone's): per table, in foreign-key order,
// every baseline row is in the target unchanged (counts and md5 digests of
// the rows, compared by primary key), no row of the tenant is left in the
// source (the tenants table excepted: its entry is the directory), and the
// target holds no other tenant's rows. Findings: migration-loss and
// migration-leftover per table, tier-misplacement for foreign rows.
// Limits: rows are compared as text under fixed settings (UTC, ISO dates);
// tables without a tenant column or foreign-key path to one are not seen.
func CheckMigration(ctx context.Context, from, to Beginner, cat *catalog.Catalog, tenant string, opts CheckOptions) (*MigrationReport, error) {
	tables := migrationTables(cat)
	src, err := readTenant(ctx, from, cat, tables, tenant)
	if err != nil {
		return nil, fmt.Errorf("read the source: %w", err)
	}
	dst, err := readTenant(ctx, to, cat, tables, tenant)
	if err != nil {
		return nil, fmt.Errorf("read the target: %w", err)
	}
	others, err := countOthers(ctx, to, cat, tables, tenant)
	if err != nil {
		return nil, fmt.Errorf("read the target: %w", err)
	}
	rep := &MigrationReport{Tenant: tenant, BaselineFrom: "source (copy check: rows still in the source are not judged)", copyCheck: opts.Baseline == nil}
	if opts.Baseline != nil {
		if opts.Baseline.Tenant != tenant {
			return nil, fmt.Errorf("check migration: the baseline is of tenant %s, not %s: pass the baseline saved for this tenant", opts.Baseline.Tenant, tenant)
		}
		rep.BaselineFrom = "baseline taken " + opts.Baseline.Taken.Format(time.RFC3339)
	}
	for _, r := range tables {
		name := r.String()
		base := src[name]
		if opts.Baseline != nil {
			if base = opts.Baseline.table(name); base == nil {
				return nil, fmt.Errorf("check migration: the baseline has no table %s: save a new baseline from the source", name)
			}
		}
		tc := compareTable(base, dst[name], src[name], r == cat.TenantsTable)
		tc.Others = others[name]
		rep.Tables = append(rep.Tables, tc)
		rep.Findings = append(rep.Findings, tableFindings(cat, r, tenant, tc, opts)...)
	}
	return rep, nil
}

// compareTable compares baseline, target and source rows of one table.
func compareTable(base, dst, src *TableRows, directory bool) TableCheck {
	tc := TableCheck{Table: base.Table, Directory: directory, Baseline: base.Count, BaselineDigest: base.Digest,
		Target: dst.Count, TargetDigest: dst.Digest, Source: src.Count}
	for k, h := range base.Rows {
		switch got, ok := dst.Rows[k]; {
		case !ok:
			tc.Lost++
		case got != h && !directory: // the directory entry changes tier
			tc.Changed++
		}
	}
	for k := range dst.Rows {
		if _, ok := base.Rows[k]; !ok {
			tc.Extra++
		}
	}
	return tc
}

// tableFindings turns one table's verdict into findings.
func tableFindings(cat *catalog.Catalog, r *catalog.Relation, tenant string, tc TableCheck, opts CheckOptions) []*harness.Finding {
	var out []*harness.Finding
	add := func(kind harness.Kind, evidence string) {
		out = append(out, &harness.Finding{Kind: kind, Severity: severity(kind), Property: "migration", Relation: tc.Table,
			Tenant: tenant, TenantLabel: tenant, Context: "owner", Evidence: []string{evidence},
			Statement: countScript(cat, r, tenant), Script: "-- tenantfuzz migrate-check: " + evidence + "\n" + countScript(cat, r, tenant)})
	}
	if tc.Lost+tc.Changed > 0 {
		add(KindMigrationLoss, fmt.Sprintf("%s: %d of the tenant's %d rows are missing from the target and %d differ (baseline %d rows, md5 %s; target %d rows, md5 %s)",
			tc.Table, tc.Lost, tc.Baseline, tc.Changed, tc.Baseline, short(tc.BaselineDigest), tc.Target, short(tc.TargetDigest)))
	}
	if opts.Baseline != nil && !tc.Directory && tc.Source > 0 {
		add(KindMigrationLeftover, fmt.Sprintf("%s: %d rows of the tenant are still in the source", tc.Table, tc.Source))
	}
	if !opts.AllowOthers && tc.Others > 0 {
		add(KindTierMisplacement, fmt.Sprintf("%s: the target holds %d rows of other tenants", tc.Table, tc.Others))
	}
	return out
}

// countScript is the psql check of one table on both sides.
func countScript(cat *catalog.Catalog, r *catalog.Relation, tenant string) string {
	filter, _ := cat.TenantFilter(r, "t", catalog.QuoteLiteral(tenant))
	q := "SELECT count(*) FROM ONLY " + r.QualifiedName() + " t WHERE " + filter + ";"
	return "-- on the source:\n" + q + "\n-- on the target:\n" + q + "\n"
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// Clean reports whether the check found nothing.
func (r *MigrationReport) Clean() bool { return len(r.Findings) == 0 }

// WriteText renders the report as a table and a verdict.
func (r *MigrationReport) WriteText(b *strings.Builder) {
	fmt.Fprintf(b, "tenant %s, compared with the %s\n", r.Tenant, r.BaselineFrom)
	fmt.Fprintf(b, "%-28s %10s %14s %10s %14s %8s %6s %8s %6s\n", "table", "baseline", "md5", "target", "md5", "source", "lost", "changed", "extra")
	for _, t := range r.Tables {
		src := fmt.Sprint(t.Source)
		if t.Directory {
			src += "*"
		}
		fmt.Fprintf(b, "%-28s %10d %14s %10d %14s %8s %6d %8d %6d\n", t.Table, t.Baseline, short(t.BaselineDigest), t.Target, short(t.TargetDigest), src, t.Lost, t.Changed, t.Extra)
	}
	b.WriteString("(* the tenants table: the source keeps the tenant's directory entry)\n")
	switch {
	case r.Clean() && r.copyCheck:
		b.WriteString("clean copy: every row of the tenant in the source is in the target; clear the source, then check again with the baseline\n")
		return
	case r.Clean():
		b.WriteString("clean: every baseline row is in the target, none is left in the source\n")
		return
	}
	fmt.Fprintf(b, "%d findings:\n", len(r.Findings))
	for _, f := range r.Findings {
		fmt.Fprintf(b, "  %s\n", Headline(f))
	}
}
