package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Attachment is a file an evidence bundle carries besides the report's
// formats: a schema or overlay file as tested, the kill matrix.
type Attachment struct {
	Name string // path inside the bundle, slash-separated
	Data []byte
}

// Manifest lists an evidence bundle's files with their digests; it is
// written as manifest.json, and SHA256SUMS repeats the digests (manifest
// included) in the format `sha256sum -c` checks.
type Manifest struct {
	Tool         Tool           `json:"tool"`
	Created      time.Time      `json:"created"`
	ReportSHA256 string         `json:"report_sha256"` // of report.json
	TargetSHA256 string         `json:"target_sha256"` // the schema digest the run tested
	Verdict      string         `json:"verdict"`
	Files        []ManifestFile `json:"files"`
}

// ManifestFile is one file of the bundle.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// SQLAttachments names the schema and overlay files as tested for a
// bundle: target/schema/NN_name.sql and target/overlays/NN_name.sql, in
// the order they were applied.
func SQLAttachments(schema, overlays []harness.SQLFile) []Attachment {
	var out []Attachment
	for i, f := range schema {
		out = append(out, Attachment{fmt.Sprintf("target/schema/%02d_%s", i+1, filepath.Base(f.Name)), []byte(f.SQL)})
	}
	for i, f := range overlays {
		out = append(out, Attachment{fmt.Sprintf("target/overlays/%02d_%s", i+1, filepath.Base(f.Name)), []byte(f.SQL)})
	}
	return out
}

// WriteEvidence writes an evidence bundle into dir: every format, the
// repro scripts, report.schema.json, the attachments, manifest.json and
// SHA256SUMS. It returns the manifest; the sha256 of manifest.json (the
// last line of SHA256SUMS) anchors the bundle when recorded elsewhere
// (a CI log, a ticket).
func (r *Report) WriteEvidence(dir string, attachments []Attachment) (*Manifest, error) {
	written, err := r.WriteAll(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("write evidence: %w", err)
	}
	files := []Attachment{{"report.schema.json", JSONSchema}}
	files = append(files, attachments...)
	for _, a := range files {
		p := filepath.Join(dir, filepath.FromSlash(path.Clean("/" + a.Name))[1:])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("write evidence: %w", err)
		}
		if err := os.WriteFile(p, a.Data, 0o644); err != nil {
			return nil, fmt.Errorf("write evidence: %w", err)
		}
		written = append(written, p)
	}
	m := &Manifest{Tool: r.Tool, Created: r.Run.Finished.UTC(), TargetSHA256: r.Target.SHA256, Verdict: r.Totals.Verdict}
	for _, p := range written {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("write evidence: %w", err)
		}
		rel, _ := filepath.Rel(dir, p)
		mf := ManifestFile{Path: filepath.ToSlash(rel), SHA256: Digest(b), Bytes: len(b)}
		if mf.Path == "report.json" {
			m.ReportSHA256 = mf.SHA256
		}
		m.Files = append(m.Files, mf)
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	mb = append(mb, '\n')
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	var sums strings.Builder
	for _, f := range m.Files {
		fmt.Fprintf(&sums, "%s  %s\n", f.SHA256, f.Path)
	}
	fmt.Fprintf(&sums, "%s  %s\n", Digest(mb), "manifest.json")
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		return nil, fmt.Errorf("write SHA256SUMS: %w", err)
	}
	return m, nil
}

// Digest is the hex sha256 of b.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
