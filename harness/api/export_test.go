package api

import (
	"testing"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"pgregory.net/rapid"
)

// SetDrawRequest replaces the check's request draw until t ends (a test
// that calls it must not run in parallel with other runs of the property).
func SetDrawRequest(t testing.TB, draw func(*rapid.T, *generators.World, IDs, Keys, string, int) (*Request, error)) {
	old := drawRequest
	drawRequest = draw
	t.Cleanup(func() { drawRequest = old })
}
