package main

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestFlagsDoc: docs/flags.md and `tenantfuzz run --help` agree: every
// flag the run command accepts has a row in the table (the row's first
// cell names it, alone or with others: `--global TABLE`, `--owned TABLE`),
// and every flag a row names exists. The flags are read from the usage
// text run prints, in process, however they were registered.
func TestFlagsDoc(t *testing.T) {
	var usage bytes.Buffer
	if code := gate([]string{"--help"}, false, io.Discard, &usage); code != exitOK {
		t.Fatalf("run --help exited %d:\n%s", code, usage.String())
	}
	help := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9-]*)`).FindAllStringSubmatch(usage.String(), -1) {
		help[m[1]] = true
	}
	if len(help) < 10 {
		t.Fatalf("read %d flags from run --help; has its format changed?\n%s", len(help), usage.String())
	}

	b, err := os.ReadFile("../../docs/flags.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]bool{}
	flagName := regexp.MustCompile("(?:^|[\\s`,(])--?([a-z][a-z0-9-]*)")
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| `-") || len(cells) < 2 {
			continue
		}
		for _, m := range flagName.FindAllStringSubmatch(strings.TrimPrefix(cells[0], "|"), -1) {
			doc[m[1]] = true
		}
	}

	var missing, stale []string
	for f := range help {
		if !doc[f] {
			missing = append(missing, f)
		}
	}
	for f := range doc {
		if !help[f] {
			stale = append(stale, f)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	for _, f := range missing {
		t.Errorf("docs/flags.md has no row for -%s (in run --help): add a row \"| `--%s ...` | meaning |\"", f, f)
	}
	for _, f := range stale {
		t.Errorf("docs/flags.md documents -%s, which run --help does not list", f)
	}
}
