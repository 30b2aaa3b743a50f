package reports

import (
	"slices"
	"sort"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// Scope lists what the run covered.
type Scope struct {
	TenantTables []string `json:"tenant_tables"`
	Readable     []string `json:"readable_relations"`
	// Relations are the relations the application role can reach or that
	// hold tenant rows, with their protection and the properties run on
	// them.
	Relations []ScopeRelation `json:"relations,omitempty"`
	// Functions are the functions the application role may execute.
	Functions []string `json:"functions,omitempty"`
	// VectorOperations counts the vector-store calls made, by operation.
	VectorOperations map[string]int `json:"vector_operations,omitempty"`
	// PropertiesNotRun are the registered properties this run skipped;
	// PropertiesSkipped gives each one's reason (skippedProperties).
	PropertiesNotRun  []string          `json:"properties_not_run,omitempty"`
	PropertiesSkipped []SkippedProperty `json:"properties_skipped,omitempty"`
	// Worlds counts the generated worlds (one per check).
	Worlds int `json:"worlds"`
	// Tenancy says how each table's rows were attributed to tenants.
	Tenancy []TableTenancy `json:"tenancy,omitempty"`
	// TenancyModel says how rows are attributed and whom the context names
	// (catalog.Catalog.TenancyModel): column, parent, or membership with
	// the table and why.
	TenancyModel string `json:"tenancy_model,omitempty"`
}

// TableTenancy is how one table's rows were attributed (catalog.Treatment):
// treated is "tenant column", "tenants table", "owned through <fk>",
// "support" or "global"; by is "detected", "--global" or "--owned".
type TableTenancy struct {
	Relation string `json:"relation"`
	Treated  string `json:"treated"`
	Through  string `json:"through,omitempty"`
	Parent   string `json:"parent,omitempty"`
	By       string `json:"by"`
}

// ScopeRelation is one relation in scope.
type ScopeRelation struct {
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	TenantColumn string   `json:"tenant_column,omitempty"`
	RLSEnabled   bool     `json:"rls_enabled"`
	RLSForced    bool     `json:"rls_forced"`
	Policies     []string `json:"policies"`
	Privileges   []string `json:"privileges"` // of the application role
	// TestedBy lists the properties run on it as their subject; Statements
	// counts the statements that touched it in any property.
	TestedBy   []string `json:"tested_by"`
	Statements int      `json:"statements"`
}

// scopeOf reads the scope from the target's catalog and the scenarios.
func scopeOf(tg *harness.Target, scenarios []Scenario, run Run) Scope {
	c := tg.Catalog
	s := Scope{TenantTables: []string{}, Readable: []string{}}
	for _, rel := range c.TenantTables() {
		s.TenantTables = append(s.TenantTables, rel.String())
	}
	for _, rel := range c.Readable() {
		s.Readable = append(s.Readable, rel.String())
	}
	s.TenancyModel = c.TenancyModel()
	for _, t := range c.Tenancy() {
		s.Tenancy = append(s.Tenancy, TableTenancy(t))
	}
	ran := map[string]bool{}
	for _, sc := range scenarios {
		ran[sc.Property] = true
		s.Worlds += sc.Checks
		if vectorProperty(sc.Property) {
			harness.MergeCounts(&s.VectorOperations, sc.ByKind)
		}
	}
	rels := append(append([]*catalog.Relation{}, c.Relations...), c.FunctionSources...)
	for _, rel := range rels {
		if !rel.Priv.Any() && rel.TenantColumn == "" && rel != c.TenantsTable {
			continue
		}
		sr := ScopeRelation{Name: rel.String(), Kind: string(rel.Kind), TenantColumn: rel.TenantColumn,
			RLSEnabled: rel.RLSEnabled, RLSForced: rel.RLSForced, Policies: []string{}, Privileges: privileges(rel.Priv), TestedBy: []string{}}
		for _, p := range rel.Policies {
			sr.Policies = append(sr.Policies, p.Name)
		}
		for _, sc := range scenarios {
			if sc.Relation == sr.Name && !slices.Contains(sr.TestedBy, sc.Property) {
				sr.TestedBy = append(sr.TestedBy, sc.Property)
			}
			sr.Statements += sc.ByRelation[sr.Name]
		}
		s.Relations = append(s.Relations, sr)
	}
	for _, f := range c.Functions {
		if f.Execute {
			s.Functions = append(s.Functions, f.Name+"("+f.IdentityArgs+")")
		}
	}
	sort.Strings(s.Functions)
	for _, p := range allProperties() {
		if !ran[p.name] {
			s.PropertiesNotRun = append(s.PropertiesNotRun, p.name)
		}
	}
	s.PropertiesSkipped = skippedProperties(run, s.PropertiesNotRun)
	return s
}

// privileges names the privileges held, in GRANT's words.
func privileges(p catalog.Privileges) []string {
	out := []string{}
	for _, x := range []struct {
		on   bool
		name string
	}{{p.Select, "SELECT"}, {p.Insert, "INSERT"}, {p.Update, "UPDATE"}, {p.Delete, "DELETE"}, {p.Truncate, "TRUNCATE"}, {p.References, "REFERENCES"}, {p.Trigger, "TRIGGER"}} {
		if x.on {
			out = append(out, x.name)
		}
	}
	return out
}

// vectorProperty reports whether a property is one of the vector store's.
func vectorProperty(name string) bool {
	p := properties.ByName(name)
	return p != nil && p.Layer == properties.Vector
}

// sqlKinds sums statements by kind over the SQL properties.
func sqlKinds(scenarios []Scenario) map[string]int {
	out := map[string]int{}
	for _, s := range scenarios {
		if vectorProperty(s.Property) {
			continue
		}
		for k, v := range s.ByKind {
			out[k] += v
		}
	}
	return out
}
