package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Formats are the formats a run can write, by name, with their file
// names in the report directory.
var Formats = []struct{ Name, File string }{
	{"json", "report.json"},
	{"junit", "junit.xml"},
	{"sarif", "report.sarif"},
	{"html", "report.html"},
	{"md", "summary.md"},
}

// FormatNames lists the format names, for flags and errors.
func FormatNames() []string {
	var out []string
	for _, f := range Formats {
		out = append(out, f.Name)
	}
	return out
}

// Render renders the report in one format. reportJSON is report.json's
// content as written (the HTML prints its sha256); nil encodes it anew.
func (r *Report) Render(format string, reportJSON []byte) ([]byte, error) {
	var b bytes.Buffer
	var err error
	switch format {
	case "json":
		if reportJSON != nil {
			return reportJSON, nil
		}
		return r.JSON()
	case "junit":
		err = r.WriteJUnit(&b)
	case "sarif":
		err = r.WriteSARIF(&b)
	case "md":
		err = r.WriteMarkdown(&b)
	case "text":
		r.WriteSummary(&b, nil)
	case "html":
		if reportJSON == nil {
			if reportJSON, err = r.JSON(); err != nil {
				return nil, err
			}
		}
		sum := sha256.Sum256(reportJSON)
		err = r.WriteHTML(&b, hex.EncodeToString(sum[:]))
	default:
		return nil, fmt.Errorf("render report: unknown format %q: use %v or text", format, FormatNames())
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteAll writes the named formats (all when formats is nil) and one
// repro-N.sql per finding into dir, and returns the files written, in
// order. report.json is encoded once: the HTML carries the sha256 of
// exactly the bytes written.
func (r *Report) WriteAll(dir string, formats []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report dir: %w", err)
	}
	js, err := r.JSON()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range Formats {
		if formats != nil && !slices.Contains(formats, f.Name) {
			continue
		}
		b, err := r.Render(f.Name, js)
		if err != nil {
			return out, err
		}
		path := filepath.Join(dir, f.File)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return out, fmt.Errorf("write %s: %w", f.File, err)
		}
		out = append(out, path)
	}
	scripts, err := r.WriteScripts(dir)
	return append(out, scripts...), err
}
