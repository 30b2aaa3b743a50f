// Package catalog introspects a PostgreSQL database the way the isolation
// harness needs it: which relations carry tenant data, how their keys hang
// together, which Row-Level Security policies guard them, and what the
// application role may do with every table, view and function.
//
// Nothing here is hard-coded to the reference schema: a team's own schema is
// described by the same queries.
package catalog

import "strings"

// RelKind is the kind of a relation, from pg_class.relkind.
type RelKind string

// Relation kinds the harness distinguishes.
const (
	KindTable       RelKind = "table"
	KindPartitioned RelKind = "partitioned table"
	KindView        RelKind = "view"
	KindMatView     RelKind = "materialized view"
	KindForeign     RelKind = "foreign table"
	// KindFunction is a set-returning function the application role may
	// call, seen as a relation: FROM fn(args).
	KindFunction RelKind = "function"
)

// Catalog is the introspected picture of one database, seen from one
// application role.
type Catalog struct {
	AppRole          string
	TenantColumn     string
	ServerVersionNum int
	// TenantsTable is the table the tenant columns reference (or the table
	// named "tenants"); nil when the schema has none.
	TenantsTable *Relation
	// Relations lists every table, view, materialized view and foreign
	// table outside the system schemas, sorted by qualified name.
	Relations []*Relation
	// Functions lists user functions outside the system schemas.
	Functions []*Function
	// FunctionSources are the set-returning functions the application role
	// may execute, as relations of kind KindFunction (see Function).
	FunctionSources []*Relation
	// ReachableRoles are the roles the application role can become.
	ReachableRoles []ReachableRole

	// Membership is set under membership tenancy: the context names a
	// user, who belongs to tenants through a membership table.
	Membership *Membership

	// declared holds the tables named by --global and --owned, with the flag.
	declared map[*Relation]string
}

// Relation is one table-like object.
type Relation struct {
	OID             uint32
	Schema          string
	Name            string
	Kind            RelKind
	Owner           string
	Columns         []Column
	PrimaryKey      []string
	Uniques         [][]string // unique constraints and unique indexes, PK excluded
	ForeignKeys     []ForeignKey
	RLSEnabled      bool
	RLSForced       bool
	Policies        []Policy
	Parents         []string // qualified names of inheritance/partition parents
	Children        []string // qualified names of inheritance/partition children
	ViewDefinition  string
	SecurityInvoker bool // views: security_invoker=true
	// TenantColumn is the column holding the tenant id, "" when none.
	TenantColumn string
	// Priv is what the application role may do with the relation.
	Priv Privileges
	// Function is set for KindFunction sources: the function behind them.
	Function *Function
	// Checks are the CHECK constraints on its rows; Orders and NullRules
	// what they say across columns (single-column rules are on Columns).
	Checks    []Check
	Orders    []Order
	NullRules []NullRule
	// Parent is the foreign key through which a table without a tenant
	// column belongs to a tenant (see Catalog.Owned); nil otherwise.
	Parent *ForeignKey
}

// Column is one column of a relation.
type Column struct {
	Name       string
	Type       string // format_type, e.g. "character varying(40)"
	BaseType   string // type name after resolving domains, e.g. "varchar"
	Category   string // pg_type.typcategory of the base type ("A" for arrays)
	ElemType   string // for arrays, the element's base type name
	EnumLabels []string
	NotNull    bool
	HasDefault bool
	Default    string
	Identity   bool
	Generated  bool
	// Allowed lists the values a single-column CHECK constraint admits when
	// it is a plain list (col IN (...) or col = ANY (ARRAY[...])); nil otherwise.
	Allowed []string
	// Min and Max are inclusive numeric bounds from CHECKs.
	Min, Max *float64
	// Lower and Upper bound other values (dates, timestamps) from CHECKs:
	// a literal, or "now" (CURRENT_DATE, now()).
	Lower, Upper *Bound
	// MinLen and MaxLen bound the length of text values in characters
	// (MaxLen 0: none), from varchar(n)/char(n) (also through a domain)
	// and CHECKs on length, char_length, octet_length and col <> ''.
	MinLen, MaxLen int
	// ASCII: an octet_length bound; values keep to one byte a character.
	ASCII bool
	// Excluded lists values a CHECK refuses (col <> 'x', NOT IN).
	Excluded []string
	// Patterns are regular expressions values must match (col ~ 'p',
	// ~* as (?i)p, LIKE translated), as PostgreSQL wrote them.
	Patterns []string
	// Checks holds the definitions of the column's single-column CHECK
	// constraints and its domain's (pg_get_constraintdef), e.g. a
	// uuid-shape regex.
	Checks []string
}

// Bound is one end of a range a CHECK allows.
type Bound struct {
	Value  string // a literal, or "now"
	Strict bool   // > or <
}

// Check is one CHECK constraint on a table's rows: the table's own or a
// column's domain's.
type Check struct {
	Name   string
	Def    string // pg_get_constraintdef
	Domain string // the domain it belongs to, "" for the table's own
	// Understood: the generator reads every part of it (see parseCheck);
	// rows may still be refused by the rest.
	Understood bool
}

// Order is a CHECK comparing two columns: Left Op Right (end_at > start_at).
type Order struct {
	Left, Op, Right string
}

// NullRule is a CHECK on which columns are NULL (a IS NOT NULL OR b IS NOT
// NULL, num_nonnulls(a, b) = 1): a row must match one of the Alternatives,
// each mapping columns to whether they are non-NULL.
type NullRule struct {
	Alternatives []map[string]bool
}

// ForeignKey is one foreign key constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   string // qualified name
	RefColumns []string
	// OnDelete and OnUpdate are the referential actions: CASCADE, SET
	// NULL, SET DEFAULT, RESTRICT or NO ACTION ("" for other constraints).
	OnDelete, OnUpdate string
}

// Policy is one row-security policy.
type Policy struct {
	Name       string
	Command    string // ALL, SELECT, INSERT, UPDATE, DELETE
	Permissive bool
	Roles      []string
	Using      string
	WithCheck  string
}

// Privileges are the relation privileges of the application role, directly
// or through roles it is a member of.
type Privileges struct {
	Select, Insert, Update, Delete, Truncate, References, Trigger bool
}

// Any reports whether the role holds any privilege at all.
func (p Privileges) Any() bool {
	return p.Select || p.Insert || p.Update || p.Delete || p.Truncate || p.References || p.Trigger
}

// Function is one user-defined function or procedure.
type Function struct {
	OID             uint32
	Schema          string
	Name            string
	IdentityArgs    string   // pg_get_function_identity_arguments
	ArgTypes        []string // input argument base type names
	Result          string   // pg_get_function_result
	ReturnsSet      bool
	Kind            string // f function, p procedure, a aggregate, w window
	Language        string
	Owner           string
	SecurityDefiner bool
	Leakproof       bool
	Volatility      string   // i, s, v
	Config          []string // proconfig, e.g. search_path=pg_catalog
	Source          string
	Execute         bool // the application role may execute it
	// ArgBaseTypes are the input argument types with domains resolved.
	ArgBaseTypes []string
}

// QualifiedName is schema.name with identifiers quoted where needed.
func (r *Relation) QualifiedName() string { return QuoteQualified(r.Schema, r.Name) }

// String names the relation the way reports print it: the bare name in
// schema public, schema.name elsewhere.
func (r *Relation) String() string {
	if r.Function != nil {
		name := r.Name + "(" + r.Function.IdentityArgs + ")"
		if r.Schema != "public" {
			name = r.Schema + "." + name
		}
		return name
	}
	if r.Schema == "public" {
		return r.Name
	}
	return r.Schema + "." + r.Name
}

// Column returns the named column, or nil.
func (r *Relation) Column(name string) *Column {
	for i := range r.Columns {
		if r.Columns[i].Name == name {
			return &r.Columns[i]
		}
	}
	return nil
}

// IsTable reports whether rows can be inserted into the relation directly
// (plain or partitioned table).
func (r *Relation) IsTable() bool { return r.Kind == KindTable || r.Kind == KindPartitioned }

// Relation returns the relation with the given name (bare name for public,
// or schema.name), or nil.
func (c *Catalog) Relation(name string) *Relation {
	for _, r := range c.FunctionSources {
		if r.String() == name {
			return r
		}
	}
	for _, r := range c.Relations {
		if r.String() == name || r.Schema+"."+r.Name == name {
			return r
		}
	}
	return nil
}

// TenantTables are the tables that hold tenant rows: those with the tenant
// column, the tenants table itself, and tables owned through a foreign-key
// path (Parent), in foreign-key order (parents first). Partition and inheritance children are included: rows are
// generated for the parent only when the parent can take them.
func (c *Catalog) TenantTables() []*Relation {
	var out []*Relation
	for _, r := range c.Relations {
		if r.IsTable() && c.Owned(r) {
			out = append(out, r)
		}
	}
	return sortByForeignKeys(out)
}

// Readable lists the relations the application role can SELECT from.
func (c *Catalog) Readable() []*Relation {
	var out []*Relation
	for _, r := range c.Relations {
		if r.Priv.Select {
			out = append(out, r)
		}
	}
	return append(out, c.FunctionSources...)
}

// QuoteIdent quotes an identifier when PostgreSQL would need it.
func QuoteIdent(s string) string {
	if s != "" && isPlainIdent(s) && !reserved[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteQualified quotes schema.name, leaving schema public implicit.
func QuoteQualified(schema, name string) string {
	if schema == "" || schema == "public" {
		return QuoteIdent(name)
	}
	return QuoteIdent(schema) + "." + QuoteIdent(name)
}

func isPlainIdent(s string) bool {
	for i, ch := range s {
		switch {
		case ch >= 'a' && ch <= 'z', ch == '_':
		case (ch >= '0' && ch <= '9') || ch == '$':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// reserved holds the reserved key words that must be quoted as column names.
var reserved = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "any": true, "array": true, "as": true, "asc": true,
	"asymmetric": true, "both": true, "case": true, "cast": true, "check": true, "collate": true, "column": true,
	"constraint": true, "create": true, "current_catalog": true, "current_date": true, "current_role": true,
	"current_time": true, "current_timestamp": true, "current_user": true, "default": true, "deferrable": true,
	"desc": true, "distinct": true, "do": true, "else": true, "end": true, "except": true, "false": true,
	"fetch": true, "for": true, "foreign": true, "from": true, "grant": true, "group": true, "having": true,
	"in": true, "initially": true, "intersect": true, "into": true, "lateral": true, "leading": true,
	"limit": true, "localtime": true, "localtimestamp": true, "not": true, "null": true, "offset": true,
	"on": true, "only": true, "or": true, "order": true, "placing": true, "primary": true, "references": true,
	"returning": true, "select": true, "session_user": true, "some": true, "symmetric": true, "table": true,
	"then": true, "to": true, "trailing": true, "true": true, "union": true, "unique": true, "user": true,
	"using": true, "variadic": true, "when": true, "where": true, "window": true, "with": true,
}

// QuoteLiteral renders s as a SQL string literal (standard_conforming_strings
// on): the one literal quoting of the harness, the generators, the router
// and the pgTAP export.
func QuoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
