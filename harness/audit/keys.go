package audit

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// sharedSequence (TFA037) enforces: no tenant table draws ids from a
// sequence shared by all tenants (serial, identity, nextval defaults). The
// ids a tenant receives reveal how many rows all other tenants created in
// between, and make other tenants' keys guessable for the side channels of
// TFA038/TFA039. Low: volume, not content.
func sharedSequence(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if r.TenantColumn == "" {
			continue
		}
		for _, c := range r.Columns {
			if !c.Identity && !strings.Contains(strings.ToLower(c.Default), "nextval(") {
				continue
			}
			out = append(out, Result{
				Object: fmt.Sprintf("column %s.%s", r, c.Name), Relation: r.String(),
				Message: fmt.Sprintf("%s.%s takes its values from a sequence shared by all tenants: the gaps a tenant sees count the other tenants' inserts", r, c.Name),
				Fix:     fmt.Sprintf("use random keys (uuid DEFAULT gen_random_uuid()) for %s.%s, or a per-tenant counter", r, c.Name),
				where:   []pattern{atAlter(r, `\b(?:ADD|ALTER)\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?`+identRE(c.Name)+end), atCreate(r)},
			})
		}
	}
	return out
}

func contains(cols []string, c string) bool {
	for _, x := range cols {
		if x == c {
			return true
		}
	}
	return false
}

// randomKey reports whether a key is one uuid column: its values cannot be
// enumerated, so its collisions reveal nothing a tenant did not already know.
func randomKey(r *catalog.Relation, cols []string) bool {
	if len(cols) != 1 {
		return false
	}
	c := r.Column(cols[0])
	return c != nil && c.BaseType == "uuid"
}

// globalUniqueKey (TFA038) enforces: every primary key and unique
// constraint of a table with the tenant column includes that column. A
// global key answers "does this value exist in another tenant?" through
// the unique violation an INSERT or UPDATE gets (LEAKS.md 25, 26).
// Limits: single uuid keys are exempt (not enumerable); unique indexes on
// expressions and partial indexes are not read by the catalog.
func globalUniqueKey(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if r.TenantColumn == "" {
			continue
		}
		keys := r.Uniques
		if len(r.PrimaryKey) > 0 {
			keys = append([][]string{r.PrimaryKey}, keys...)
		}
		for _, k := range keys {
			if contains(k, r.TenantColumn) || randomKey(r, k) {
				continue
			}
			cols := strings.Join(k, ", ")
			out = append(out, Result{
				Object: fmt.Sprintf("key %s (%s)", r, cols), Relation: r.String(),
				Message: fmt.Sprintf("unique key (%s) on %s does not include %s: a duplicate-key error tells a tenant that another tenant holds the value", cols, r, r.TenantColumn),
				Fix:     fmt.Sprintf("make the key UNIQUE (%s, %s)", r.TenantColumn, cols),
				where: []pattern{
					newPattern(`\bCREATE\s+UNIQUE\s+INDEX\s` + stmtBody + `\bON\s+(?:ONLY\s+)?` + relName(r) + `\s*(?:USING\s+\w+\s*)?\(\s*` + identRE(k[0]) + end),
					atAlter(r, `\b(?:UNIQUE|PRIMARY\s+KEY)\s*\(\s*`+identRE(k[0])+end),
					atCreate(r),
				},
			})
		}
	}
	return out
}

// fkNotTenantScoped (TFA039) enforces: a foreign key from one tenant table
// to another includes the tenant column on both sides, as the reference
// schema's (tenant_id, user_id) -> users (tenant_id, id). A key on the id
// alone lets a tenant attach its row to another tenant's row, and the FK
// check (which ignores RLS) reveals whether that id exists. Limits: keys
// to the tenants table itself are the tenant column's own and pass.
func fkNotTenantScoped(e *env) []Result {
	var out []Result
	for _, r := range e.tenantTables() {
		if r.TenantColumn == "" {
			continue
		}
		for _, fk := range r.ForeignKeys {
			ref := e.byKey[fk.RefTable]
			if ref == nil || ref == e.cat.TenantsTable || ref.TenantColumn == "" {
				continue
			}
			scoped := false
			for i, c := range fk.Columns {
				if c == r.TenantColumn && i < len(fk.RefColumns) && fk.RefColumns[i] == ref.TenantColumn {
					scoped = true
				}
			}
			if scoped {
				continue
			}
			out = append(out, Result{
				Object: fmt.Sprintf("foreign key %s on %s", fk.Name, r), Relation: r.String(),
				Message: fmt.Sprintf("foreign key %s (%s) -> %s (%s) does not carry %s: a tenant can point at another tenant's row, and the check reveals which ids exist", fk.Name, strings.Join(fk.Columns, ", "), ref, strings.Join(fk.RefColumns, ", "), r.TenantColumn),
				Fix:     fmt.Sprintf("FOREIGN KEY (%s, %s) REFERENCES %s (%s, %s), with UNIQUE (%[4]s, %[5]s) on %[3]s", r.TenantColumn, strings.Join(fk.Columns, ", "), ref.QualifiedName(), ref.TenantColumn, strings.Join(fk.RefColumns, ", ")),
				where: []pattern{
					newPattern(`\bCONSTRAINT\s+` + identRE(fk.Name) + end),
					newPattern(`\bFOREIGN\s+KEY\s*\(\s*` + identRE(fk.Columns[0]) + `[^;]*?\bREFERENCES\s+` + relName(ref)),
					newPattern(`(?:^|[\s,(])` + identRE(fk.Columns[0]) + `\s[^,;]*?\bREFERENCES\s+` + relName(ref)),
					atCreate(r),
				},
			})
		}
	}
	return out
}
