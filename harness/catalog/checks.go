package catalog

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// listCheck matches the CHECK definitions that only list allowed values:
// CHECK ((col = ANY (ARRAY['a'::text, 'b'::text]))) and CHECK ((col = 'a'::text)).
var (
	listCheck = regexp.MustCompile(`^CHECK \(\(?\(?"?([^"\s()]+)"?\)?(::[a-z ]+)? = (ANY \(ARRAY\[(.*)\]\)|'(.*)'::[a-z ]+)\)?\)$`)
	quoted    = regexp.MustCompile(`'((?:[^']|'')*)'`)
)

// loadChecks reads single-column CHECK constraints and keeps the value lists
// a generator must respect.
func loadChecks(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT con.conrelid::int8, a.attname, pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
WHERE con.contype = 'c' AND cardinality(con.conkey) = 1 AND `+userSchemas+`
ORDER BY con.conrelid, con.conname`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var col, def string
		if err := rows.Scan(&oid, &col, &def); err != nil {
			return err
		}
		r := rels[uint32(oid)]
		if r == nil {
			continue
		}
		if cc := r.Column(col); cc != nil {
			cc.Checks = append(cc.Checks, def)
			if a := allowedValues(def); a != nil {
				cc.Allowed = a
			}
			bounds(cc, def)
		}
	}
	return rows.Err()
}

// allowedValues extracts the literal list of a value-list CHECK, or nil.
func allowedValues(def string) []string {
	m := listCheck.FindStringSubmatch(def)
	if m == nil {
		return nil
	}
	list := m[4] + m[5]
	if m[5] != "" {
		list = "'" + m[5] + "'"
	}
	var out []string
	for _, q := range quoted.FindAllStringSubmatch(list, -1) {
		out = append(out, strings.ReplaceAll(q[1], "''", "'"))
	}
	return out
}

var boundRE = regexp.MustCompile(`\(+"?([A-Za-z_][A-Za-z0-9_]*)"?\)?(?:::[a-z ]+)? (>=|<=|>|<) \(?'?(-?[0-9]+(?:\.[0-9]+)?)'?`)

// bounds reads numeric bounds (col >= n, col < n, BETWEEN) from a
// single-column CHECK into the column's Min and Max (inclusive).
func bounds(c *Column, def string) {
	for _, m := range boundRE.FindAllStringSubmatch(def, -1) {
		if m[1] != c.Name {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		switch m[2] {
		case ">=":
			c.Min = &v
		case ">":
			v = math.Floor(v) + 1
			c.Min = &v
		case "<=":
			c.Max = &v
		case "<":
			v = math.Ceil(v) - 1
			c.Max = &v
		}
	}
}
