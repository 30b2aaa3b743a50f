package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/audit"
)

// sourceFiles lists the target's schema and overlay files with their
// digests, in the order they were applied.
func sourceFiles(tg *harness.Target, root string) []SourceFile {
	var out []SourceFile
	add := func(files []harness.SQLFile, role string) {
		for _, f := range files {
			sum := sha256.Sum256([]byte(f.SQL))
			out = append(out, SourceFile{Name: RelativeTo(root, f.Name), Role: role, SHA256: hex.EncodeToString(sum[:]), Bytes: len(f.SQL)})
		}
	}
	add(tg.Config.Schema, "schema")
	add(tg.Config.Overlays, "overlay")
	return out
}

// RelativeTo writes path relative to root when it lies under root, with
// forward slashes; otherwise (or with root "") it returns path as given.
// Code scanning locates files by their path in the repository, which is
// where CI runs tenantfuzz from.
func RelativeTo(root, path string) string {
	if root == "" || !filepath.IsAbs(path) {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// relativeAudit copies an audit report with its file names relative to
// root.
func relativeAudit(a *audit.Report, root string) *audit.Report {
	c := *a
	c.Results = append([]audit.Result(nil), a.Results...)
	for i := range c.Results {
		if c.Results[i].File != "" {
			c.Results[i].File = RelativeTo(root, c.Results[i].File)
		}
	}
	return &c
}
