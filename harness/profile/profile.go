// Package profile reads the gate profiles of ginkgo.yml: how many checks,
// how large the worlds, which properties and how much time a gate gets.
package profile

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Profile is one gate profile.
type Profile struct {
	Name        string        `yaml:"-"`
	Description string        `yaml:"description"`
	Labels      string        `yaml:"labels"`
	Checks      int           `yaml:"checks"`
	Tenants     [2]int        `yaml:"tenants"`
	Rows        int           `yaml:"rows"`
	Statements  int           `yaml:"statements"`
	Budget      time.Duration `yaml:"budget"`
	Shrink      time.Duration `yaml:"shrink"`
	Reports     []string      `yaml:"reports"`
	// PartialFails: a scenario the budget cut short (fewer checks than
	// planned) fails the gate (exit 2, verdict PARTIAL) instead of passing
	// with "partial (n of N checks, budget spent)".
	PartialFails bool `yaml:"partial_fails"`
	// Parallel is how many workers run the specs' checks at once, each on
	// its own copy of the database (absent or 0: the number of CPUs, at
	// most 8; --parallel overrides it).
	Parallel int `yaml:"parallel"`
	// Large is the persistent large world of the large-world property
	// (absent or tenants 0: off).
	Large Large `yaml:"large"`
}

// Large sizes the large world: tenants, rows per tenant and tenant table,
// and checks per relation (default: the profile's checks).
type Large struct {
	Tenants int `yaml:"tenants"`
	Rows    int `yaml:"rows"`
	Checks  int `yaml:"checks"`
}

type file struct {
	Profiles map[string]*Profile `yaml:"profiles"`
}

// Set is the profiles of one file, by name.
type Set map[string]*Profile

// Parse reads profiles from YAML; src names the source in errors.
func Parse(data []byte, src string) (Set, error) {
	var f file
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read profiles %s: %w", src, err)
	}
	if len(f.Profiles) == 0 {
		return nil, fmt.Errorf("read profiles %s: no profiles: the file needs a top-level profiles: map", src)
	}
	for name, p := range f.Profiles {
		p.Name = name
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("read profiles %s: profile %s: %w", src, name, err)
		}
	}
	return Set(f.Profiles), nil
}

// Load reads a profile file from disk.
func Load(path string) (Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	return Parse(b, path)
}

// Get returns the named profile or an error listing the known ones.
func (s Set) Get(name string) (*Profile, error) {
	if p, ok := s[name]; ok {
		c := *p
		return &c, nil
	}
	return nil, fmt.Errorf("unknown profile %q: known profiles are %s", name, strings.Join(s.Names(), ", "))
}

// Names lists the profile names, sorted.
func (s Set) Names() []string {
	var out []string
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (p *Profile) validate() error {
	switch {
	case p.Checks < 1:
		return fmt.Errorf("checks must be at least 1, got %d", p.Checks)
	case p.Tenants[0] < 2 || p.Tenants[1] < p.Tenants[0]:
		return fmt.Errorf("tenants must be [min, max] with 2 <= min <= max, got %v", p.Tenants)
	case p.Rows < 1:
		return fmt.Errorf("rows must be at least 1, got %d", p.Rows)
	case p.Statements < 1:
		return fmt.Errorf("statements must be at least 1, got %d", p.Statements)
	case p.Budget <= 0:
		return fmt.Errorf("budget must be a positive duration such as 2m, got %v", p.Budget)
	case p.Large.Tenants < 0 || p.Large.Rows < 0 || p.Large.Checks < 0:
		return fmt.Errorf("large: tenants, rows and checks must not be negative, got %+v", p.Large)
	case p.Parallel < 0:
		return fmt.Errorf("parallel must be 0 (the number of CPUs) or more, got %d", p.Parallel)
	case p.Large.Tenants == 1:
		return fmt.Errorf("large: tenants must be 0 (off) or at least 2, got 1")
	}
	for _, r := range p.Reports {
		switch r {
		case "json", "junit", "sarif", "html", "md":
		default:
			return fmt.Errorf("unknown report %q: use json, junit, sarif, html or md", r)
		}
	}
	return nil
}
