package catalog

import (
	"context"
)

// loadChecks reads the CHECK constraints on every table's rows (the
// table's own and its columns' domains') and the declared lengths of text
// columns, and keeps what a row generator must respect: per column the
// allowed values, bounds, lengths and patterns; per table comparisons
// between columns and rules on which columns are NULL (see parseCheck).
// A constraint the parser cannot read at all is kept with Understood false.
func loadChecks(ctx context.Context, q Querier, c *Catalog) error {
	if err := loadLengths(ctx, q, c); err != nil {
		return err
	}
	rows, err := q.Query(ctx, `
SELECT con.conrelid::int8, con.conname, pg_get_constraintdef(con.oid), '', '',
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) k(n) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'c' AND `+userSchemas+`
UNION ALL
SELECT a.attrelid::int8, con.conname, pg_get_constraintdef(con.oid), a.attname, format_type(con.contypid, NULL), ARRAY[a.attname::text]
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_constraint con ON con.contype = 'c' AND con.contypid IN (t.oid, t.typbasetype)
WHERE t.typtype = 'd' AND c.relkind IN ('r','p','f') AND a.attnum > 0 AND NOT a.attisdropped AND `+userSchemas+`
ORDER BY 1, 4, 2`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var name, def, self, domain string
		var cols []string
		if err := rows.Scan(&oid, &name, &def, &self, &domain, &cols); err != nil {
			return err
		}
		if r := rels[uint32(oid)]; r != nil {
			r.addCheck(Check{Name: name, Def: def, Domain: domain}, self, cols)
		}
	}
	return rows.Err()
}

// addCheck records one CHECK and what the generator can read from it.
func (r *Relation) addCheck(chk Check, self string, cols []string) {
	if len(cols) == 1 {
		if cc := r.Column(cols[0]); cc != nil {
			cc.Checks = append(cc.Checks, chk.Def)
		}
	}
	f, err := parseCheck(chk.Def, self)
	if err == nil {
		chk.Understood = f.understood
		for name, rule := range f.cols {
			if cc := r.Column(name); cc != nil {
				cc.merge(rule)
			}
		}
		r.Orders = append(r.Orders, f.orders...)
		r.NullRules = append(r.NullRules, f.nulls...)
	}
	r.Checks = append(r.Checks, chk)
}

// merge narrows c by the rules in o (both must hold).
func (c *Column) merge(o *Column) {
	if o.NotNull {
		c.NotNull = true
	}
	if o.Allowed != nil {
		if c.Allowed == nil {
			c.Allowed = o.Allowed
		} else {
			var both []string
			for _, v := range c.Allowed {
				for _, w := range o.Allowed {
					if v == w {
						both = append(both, v)
						break
					}
				}
			}
			c.Allowed = both
		}
	}
	if o.Min != nil {
		c.Min = maxPtr(c.Min, *o.Min)
	}
	if o.Max != nil {
		c.Max = minPtr(c.Max, *o.Max)
	}
	if o.Lower != nil {
		c.Lower = o.Lower
	}
	if o.Upper != nil {
		c.Upper = o.Upper
	}
	c.MinLen = max(c.MinLen, o.MinLen)
	if o.MaxLen > 0 && (c.MaxLen == 0 || o.MaxLen < c.MaxLen) {
		c.MaxLen = o.MaxLen
	}
	c.ASCII = c.ASCII || o.ASCII
	c.Excluded = append(c.Excluded, o.Excluded...)
	c.Patterns = append(c.Patterns, o.Patterns...)
}

// loadLengths reads the declared length of varchar(n) and char(n)
// columns, also through a domain, into MaxLen (name: 63 bytes).
func loadLengths(ctx context.Context, q Querier, c *Catalog) error {
	rows, err := q.Query(ctx, `
SELECT a.attrelid::int8, a.attname, bt.typname::text, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE c.relkind IN ('r','p','v','m','f') AND a.attnum > 0 AND NOT a.attisdropped
  AND bt.typname IN ('varchar', 'bpchar', 'name') AND `+userSchemas)
	if err != nil {
		return err
	}
	defer rows.Close()
	rels := c.byOID()
	for rows.Next() {
		var oid int64
		var col, typ string
		var mod int32
		if err := rows.Scan(&oid, &col, &typ, &mod); err != nil {
			return err
		}
		r := rels[uint32(oid)]
		if r == nil {
			continue
		}
		if cc := r.Column(col); cc != nil {
			switch {
			case typ == "name":
				cc.MaxLen, cc.ASCII = 63, true
			case mod > 4:
				cc.MaxLen = int(mod) - 4
			}
		}
	}
	return rows.Err()
}
