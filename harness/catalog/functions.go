package catalog

import (
	"regexp"
	"strings"
)

// resolveFunctionSources turns every set-returning function the application
// role may execute, and whose output columns are known, into a relation of
// kind KindFunction. The output columns come from RETURNS SETOF <relation>
// or RETURNS TABLE(...); other shapes (SETOF record, SETOF scalar) are
// skipped: a limit of the generator, not of the harness.
func (c *Catalog) resolveFunctionSources() {
	for _, f := range c.Functions {
		if !f.Execute || !f.ReturnsSet || f.Kind != "f" {
			continue
		}
		cols := c.functionColumns(f.Result)
		if len(cols) == 0 {
			continue
		}
		c.FunctionSources = append(c.FunctionSources, &Relation{
			Schema: f.Schema, Name: f.Name, Kind: KindFunction, Owner: f.Owner,
			Columns: cols, Priv: Privileges{Select: true}, Function: f,
			TenantColumn: tenantColumnOf(cols, c.TenantColumn),
		})
	}
}

func tenantColumnOf(cols []Column, name string) string {
	for _, col := range cols {
		if col.Name == name {
			return name
		}
	}
	return ""
}

var tableResultRE = regexp.MustCompile(`^TABLE\((.*)\)$`)

// functionColumns reads a pg_get_function_result text.
func (c *Catalog) functionColumns(result string) []Column {
	if rest, ok := strings.CutPrefix(result, "SETOF "); ok {
		for _, r := range c.Relations {
			if r.Name == rest || r.Schema+"."+r.Name == rest || r.QualifiedName() == rest {
				return append([]Column(nil), r.Columns...)
			}
		}
		return nil
	}
	m := tableResultRE.FindStringSubmatch(result)
	if m == nil {
		return nil
	}
	var cols []Column
	for _, part := range splitTopLevel(m[1]) {
		name, typ, ok := strings.Cut(strings.TrimSpace(part), " ")
		if !ok {
			return nil
		}
		typ = strings.TrimSpace(typ)
		cols = append(cols, Column{Name: strings.Trim(name, `"`), Type: typ, BaseType: baseTypeName(typ), Category: category(typ)})
	}
	return cols
}

// splitTopLevel splits on commas outside parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, ch := range s {
		switch ch {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// baseTypeName maps a format_type spelling to the pg_type name generators
// switch on.
func baseTypeName(t string) string {
	t = strings.TrimSuffix(t, "[]")
	if i := strings.Index(t, "("); i >= 0 {
		t = t[:i]
	}
	switch strings.TrimSpace(t) {
	case "text":
		return "text"
	case "character varying":
		return "varchar"
	case "character":
		return "bpchar"
	case "integer":
		return "int4"
	case "bigint":
		return "int8"
	case "smallint":
		return "int2"
	case "boolean":
		return "bool"
	case "timestamp with time zone":
		return "timestamptz"
	case "timestamp without time zone":
		return "timestamp"
	case "double precision":
		return "float8"
	case "real":
		return "float4"
	}
	return strings.TrimSpace(t)
}

func category(t string) string {
	if strings.HasSuffix(t, "[]") {
		return "A"
	}
	return ""
}
