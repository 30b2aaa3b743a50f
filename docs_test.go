package tenantfuzz_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The repository carries everything it cites: the leak catalogue is
// docs/leaks.md, cited as "docs/leaks.md entry N" (or "entries N, M"), and
// every link and repository path the documentation names exists. These
// tests read files only (no PostgreSQL, no build of the engine).

// leakEntry is one numbered entry of docs/leaks.md: "N. **Title.** text".
var leakEntry = regexp.MustCompile(`(?m)^(\d+)\. \*\*([^*]+)\*\* \S`)

// leakCitation is a citation of entries of the catalogue.
var leakCitation = regexp.MustCompile(`docs/leaks\.md (?:entry|entries) (\d+(?:(?:, | and |, and |–|-)\d+)*)`)

// staleCitation is what must not be cited any more: files that are not in
// the repository (the founding project's LEAKS.md, DESIGN.md, STYLE.md and
// seed, which lived outside it).
var staleCitation = regexp.MustCompile(`LEAKS(?:\.md)?\b|\bDESIGN\.md\b|\bSTYLE\.md\b|\bshared/(?:seed|DESIGN|LEAKS|STYLE)`)

// structuredCitation are the catalogue's entry numbers as registries hold
// them: audit checks and finding kinds (Leaks: []int{7, 20}), the kill
// matrix (leaks: [7, 20] in mutants.yml), vector and routing mutants
// (Entry: 33).
var structuredCitation = regexp.MustCompile(`Leaks:\s*\[\]int\{([\d, ]*)\}|(?m)^\s*leaks:\s*\[([\d, ]*)\]|\bEntry:\s*(\d+)`)

// citationExempt are files allowed to name the stale citations: this test,
// which spells them out to forbid them.
var citationExempt = map[string]bool{"docs_test.go": true}

// leakEntries reads the entry numbers of docs/leaks.md and checks they
// run 1, 2, ... without gaps or repeats.
func leakEntries(t *testing.T) map[int]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("docs", "leaks.md"))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[int]string{}
	for i, m := range leakEntry.FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[1])
		if n != i+1 {
			t.Errorf("docs/leaks.md: entry %d follows entry %d (entries are numbered 1, 2, ... and never renumbered)", n, i)
		}
		entries[n] = strings.TrimSpace(m[2])
	}
	if len(entries) == 0 {
		t.Fatal("docs/leaks.md: no entries in the form `N. **Title.** text`")
	}
	return entries
}

// repoFiles walks the repository's text files (not .git, not build or run
// outputs), calling fn with the slash path and the contents.
func repoFiles(t *testing.T, fn func(path string, b []byte)) {
	t.Helper()
	skip := map[string]bool{"bin": true, "tenantfuzz-report": true, "node_modules": true}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || skip[d.Name()]) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > 4<<20 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return nil // binary
		}
		fn(filepath.ToSlash(p), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLeakCitations: nothing cites the catalogue by a file the repository
// does not hold, and every "docs/leaks.md entry N" names an entry that
// exists.
func TestLeakCitations(t *testing.T) {
	entries := leakEntries(t)
	cited := 0
	repoFiles(t, func(path string, b []byte) {
		if citationExempt[path] {
			return
		}
		if strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".yml") {
			for _, m := range structuredCitation.FindAllStringSubmatch(string(b), -1) {
				for _, n := range splitEntries(m[1] + m[2] + m[3]) {
					cited++
					if _, ok := entries[n]; !ok {
						t.Errorf("%s: %q cites entry %d; docs/leaks.md has entries 1-%d", path, m[0], n, len(entries))
					}
				}
			}
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := staleCitation.FindString(line); m != "" {
				t.Errorf("%s:%d: cites %q, which is not in the repository: cite docs/leaks.md entry N (or docs/design.md)", path, i+1, m)
			}
			for _, m := range leakCitation.FindAllStringSubmatch(line, -1) {
				for _, n := range splitEntries(m[1]) {
					cited++
					if _, ok := entries[n]; !ok {
						t.Errorf("%s:%d: %q cites entry %d; docs/leaks.md has entries 1-%d", path, i+1, m[0], n, len(entries))
					}
				}
			}
		}
	})
	if cited == 0 {
		t.Error("no file cites docs/leaks.md: is the citation pattern still the one the code writes?")
	}
	// harness.LeaksEntries bounds the coverage table and the registry
	// tests; read from the source so this test needs no engine build.
	src, err := os.ReadFile(filepath.Join("harness", "leaks.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const LeaksEntries = (\d+)`).FindSubmatch(src)
	if m == nil || string(m[1]) != strconv.Itoa(len(entries)) {
		t.Errorf("harness/leaks.go: LeaksEntries is not %d, the number of entries in docs/leaks.md", len(entries))
	}
}

// splitEntries reads "7, 20", "25–27" or "3 and 4" as entry numbers.
func splitEntries(s string) []int {
	var out []int
	for _, part := range regexp.MustCompile(`, and |, | and `).Split(strings.TrimSpace(s), -1) {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			b, _ = strconv.Atoi(hi)
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

var (
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdCodeSpan = regexp.MustCompile("`([^`\\s]+)`")
	mdHeading  = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
)

// TestDocPaths: in every Markdown file, each relative link points at a
// file that exists (and at a heading that exists, when it names one), and
// each backquoted repository path (one whose first element is a top-level
// entry of the repository, such as `fixtures/mutants/rls_off.sql`) exists;
// a path with * must match something.
func TestDocPaths(t *testing.T) {
	top := map[string]bool{}
	des, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	// Build outputs (.gitignore's top-level entries: bin/, the report
	// directory of `make run`) are not repository paths, whether or not a
	// run has created them.
	ignored := map[string]bool{}
	if gi, err := os.ReadFile(".gitignore"); err == nil {
		for _, l := range strings.Split(string(gi), "\n") {
			if strings.HasPrefix(l, "/") {
				ignored[strings.Trim(strings.TrimSpace(l), "/")] = true
			}
		}
	}
	for _, d := range des {
		if !strings.HasPrefix(d.Name(), ".") && !ignored[d.Name()] {
			top[d.Name()] = true
		}
	}
	checked := 0
	repoFiles(t, func(path string, b []byte) {
		if !strings.HasSuffix(path, ".md") {
			return
		}
		text := stripFences(string(b))
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			resolved := path
			if file != "" {
				resolved = filepath.ToSlash(filepath.Join(filepath.Dir(path), file))
			}
			checked++
			if _, err := os.Stat(resolved); err != nil {
				t.Errorf("%s: link %q: %s does not exist", path, target, resolved)
				continue
			}
			if anchor != "" && strings.HasSuffix(resolved, ".md") && !hasAnchor(t, resolved, anchor) {
				t.Errorf("%s: link %q: %s has no heading #%s", path, target, resolved, anchor)
			}
		}
		for _, m := range mdCodeSpan.FindAllStringSubmatch(text, -1) {
			p := strings.TrimSuffix(m[1], "/")
			first, _, isPath := strings.Cut(p, "/")
			if !isPath || !top[first] {
				continue
			}
			checked++
			if strings.ContainsAny(p, "*?[") {
				if ms, _ := filepath.Glob(p); len(ms) == 0 {
					t.Errorf("%s: `%s` matches nothing in the repository", path, m[1])
				}
				continue
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: `%s` does not exist in the repository", path, m[1])
			}
		}
	})
	if checked == 0 {
		t.Error("no link or path checked: the Markdown files are missing?")
	}
}

// stripFences drops fenced code blocks (sample output and shell sessions
// name paths of the user's machine, not of the repository).
func stripFences(s string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// hasAnchor reports whether the Markdown file has a heading whose GitHub
// anchor is anchor.
func hasAnchor(t *testing.T, file, anchor string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mdHeading.FindAllStringSubmatch(stripFences(string(b)), -1) {
		if slug(m[1]) == anchor {
			return true
		}
	}
	return false
}

// slug is GitHub's heading anchor: lower case, punctuation dropped
// (hyphens and underscores kept), spaces as hyphens.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
