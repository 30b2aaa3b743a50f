package main

import (
	"io"
	"testing"

	"github.com/tenantfuzz/tenantfuzz"
	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
	"github.com/tenantfuzz/tenantfuzz/reports"
)

// TestMatrixRecordsIdentity: the mutants.json printMatrix writes records
// the tool version and the reference schema's digest, so that it backs a
// run of the reference schema by this version and no other.
func TestMatrixRecordsIdentity(t *testing.T) {
	dir := t.TempDir()
	printMatrix([]mutant.Kill{{Mutant: mutant.Reference, Checks: 1}}, nil, dir, io.Discard, io.Discard)
	m, err := reports.FindMatrix(dir)
	if err != nil || m == nil {
		t.Fatalf("mutants.json not written: %v", err)
	}
	if m.ToolVersion != tenantfuzz.Version || len(m.SchemaSHA256) != 64 || m.SchemaSHA256 != referenceDigest() {
		t.Fatalf("tool_version %q, schema_sha256 %q; want %q and the reference digest %q", m.ToolVersion, m.SchemaSHA256, tenantfuzz.Version, referenceDigest())
	}
	if why := m.Mismatch(tenantfuzz.Version, referenceDigest()); why != "" {
		t.Errorf("the matrix does not back a reference run of this version: %s", why)
	}
}
