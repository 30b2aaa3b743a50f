// Package app is the application layer under test: a tenant-scoped vector
// repository written as an application would write it, over the store
// port. It isolates tenants in one of two modes (Mode). Its scoping steps
// are hooks (Scoping), so a seeded defect is the reference repository with
// one hook replaced, and the same properties run against both.
package app

import "fmt"

// Mode is how the repository keeps tenants apart in the vector store.
type Mode string

// The isolation modes under test.
const (
	// NamespacePerTenant keeps each tenant in its own namespace
	// (tenant_<id>): the stricter option.
	NamespacePerTenant Mode = "namespace"
	// SharedNamespace keeps every tenant in the default namespace, with
	// the tenant in each record's metadata, a tenant filter composed ($and)
	// with every caller's filter, and record ids prefixed by the tenant.
	SharedNamespace Mode = "shared"
)

// Modes lists the modes in the order they run.
var Modes = []Mode{NamespacePerTenant, SharedNamespace}

func (m Mode) String() string { return string(m) }

// ParseMode reads a mode name as the CLI takes it.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown vector mode %q: use namespace or shared", s)
}
