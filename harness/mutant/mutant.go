// Package mutant runs the kill matrix: each layer's clean reference (which
// must be clean) and every seeded defect of its catalogue (fixtures/mutants
// for SQL, harness/router, harness/vector, harness/api), each of which must
// be found by the expected property, with the expected kind, on the
// expected relation, and replay from its seed. One runner (Run) runs every
// row over the property registry (properties.All).
package mutant

import (
	"fmt"
	"io/fs"
	"path"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Mutant is one seeded defect.
type Mutant struct {
	Name       string   `yaml:"name" json:"name"`
	Overlay    string   `yaml:"overlay" json:"overlay"`
	Leaks      []int    `yaml:"leaks" json:"leaks"` // docs/leaks.md entries
	Property   string   `yaml:"property" json:"property"`
	Kinds      []string `yaml:"kinds" json:"kinds"`
	Relations  []string `yaml:"relations" json:"relations"`
	Context    string   `yaml:"context" json:"context,omitempty"`
	ContextSQL string   `yaml:"context_sql" json:"context_sql,omitempty"`
	SQL        string   `yaml:"-" json:"-"`
}

// Reference is the name the matrix gives the clean reference schema.
const Reference = "reference"

// Load reads mutants.yml and the overlays it names from fsys.
func Load(fsys fs.FS) ([]*Mutant, error) {
	b, err := fs.ReadFile(fsys, "mutants.yml")
	if err != nil {
		return nil, fmt.Errorf("read mutants: %w", err)
	}
	var ms []*Mutant
	if err := yaml.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("read mutants.yml: %w", err)
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if m.Name == "" || m.Overlay == "" || m.Property == "" || len(m.Kinds) == 0 || len(m.Relations) == 0 {
			return nil, fmt.Errorf("read mutants.yml: mutant %q needs name, overlay, property, kinds and relations", m.Name)
		}
		if seen[m.Name] || m.Name == Reference {
			return nil, fmt.Errorf("read mutants.yml: duplicate mutant name %q", m.Name)
		}
		seen[m.Name] = true
		sql, err := fs.ReadFile(fsys, path.Clean(m.Overlay))
		if err != nil {
			return nil, fmt.Errorf("read mutant %s: %w", m.Name, err)
		}
		m.SQL = string(sql)
	}
	return ms, nil
}

// Find returns the named mutant.
func Find(ms []*Mutant, name string) (*Mutant, error) {
	for _, m := range ms {
		if m.Name == name {
			return m, nil
		}
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return nil, fmt.Errorf("unknown mutant %q: known mutants are %v (and %q)", name, names, Reference)
}

// Expects reports whether a finding of kind on relation is what the
// mutant must produce.
func (m *Mutant) Expects(kind, relation string) bool {
	return slices.Contains(m.Kinds, kind) && slices.Contains(m.Relations, relation)
}
