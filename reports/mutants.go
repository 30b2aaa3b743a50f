package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/mutant"
)

// MutantsFile is the kill matrix `tenantfuzz mutants` writes into the
// report directory.
const MutantsFile = "mutants.json"

// Matrix is a kill matrix: the reference schema and every seeded defect,
// each with what found it and how fast.
type Matrix struct {
	Mutants       []mutant.Kill `json:"mutants"`
	MedianSeconds float64       `json:"median_seconds_to_finding"`
	Killed        int           `json:"killed"`
	Total         int           `json:"total"`
	// ToolVersion and SchemaSHA256 are what `tenantfuzz mutants` ran: the
	// tool's version and the digest of the schema its reference row tested
	// (harness.Digest of the reference schema, as a run's target sha256).
	// A matrix backs a run only when both equal the run's (see Mismatch).
	ToolVersion  string `json:"tool_version,omitempty"`
	SchemaSHA256 string `json:"schema_sha256,omitempty"`
	// Source, Modified and SHA256 identify the mutants.json it was read
	// from: it comes from a separate run.
	Source   string    `json:"source,omitempty"`
	Modified time.Time `json:"modified,omitzero"`
	SHA256   string    `json:"sha256,omitempty"`
}

// ReferenceClean reports whether the references (the clean schema, the
// clean vector store as "vector:reference", the clean router as
// "level3:reference") are clean: no finding, no error, no blind scenario
// (true when the matrix did not include them).
func (m *Matrix) ReferenceClean() bool {
	for _, k := range m.Mutants {
		if mutant.IsReference(k.Mutant) && !k.Clean() {
			return false
		}
	}
	return true
}

// Mismatch says why m is not evidence for a run of tool version and
// target digest schemaSHA256 ("" when it is): a kill matrix proves the
// detection of the tool that made it over the schema it tested, nothing
// about another version or another schema. A matrix that records neither
// (written before they were recorded) backs no run.
func (m *Matrix) Mismatch(version, schemaSHA256 string) string {
	var why []string
	switch {
	case m.ToolVersion == "":
		why = append(why, "it records no tool version")
	case m.ToolVersion != version:
		why = append(why, fmt.Sprintf("tenantfuzz %s made it, this run is %s", m.ToolVersion, version))
	}
	switch {
	case m.SchemaSHA256 == "":
		why = append(why, "it records no schema digest")
	case m.SchemaSHA256 != schemaSHA256:
		why = append(why, fmt.Sprintf("it tested schema sha256 %.12s, this run %.12s", m.SchemaSHA256, schemaSHA256))
	}
	return strings.Join(why, "; ")
}

// LoadMatrix reads a mutants.json.
func LoadMatrix(path string) (*Matrix, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read kill matrix: %w", err)
	}
	var m Matrix
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read kill matrix %s: %w", path, err)
	}
	sum := sha256.Sum256(b)
	m.Source, m.SHA256 = filepath.Base(path), hex.EncodeToString(sum[:])
	if st, err := os.Stat(path); err == nil {
		m.Modified = st.ModTime().UTC()
	}
	return &m, nil
}

// FindMatrix reads dir/mutants.json when it exists: nil, nil when not.
func FindMatrix(dir string) (*Matrix, error) {
	path := filepath.Join(dir, MutantsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	return LoadMatrix(path)
}
