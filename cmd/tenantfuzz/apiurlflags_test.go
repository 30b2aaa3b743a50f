package main

import (
	"bytes"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestAPIURLFlagsDoc: the flag table of docs/api.md's "Your own service"
// and the flags of tenantfuzz api --url agree, both ways (docs/flags.md
// holds run's flags only, and points there).
func TestAPIURLFlagsDoc(t *testing.T) {
	var f apiURLFlags
	var usage bytes.Buffer
	fs := apiURLFlagSet(&f, &usage)
	fs.PrintDefaults()
	have := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`).FindAllStringSubmatch(usage.String(), -1) {
		have[m[1]] = true
	}
	b, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Your own service\n")
	if !ok {
		t.Fatal(`docs/api.md has no "## Your own service" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	doc := map[string]bool{}
	name := regexp.MustCompile("(?:^|[\\s`,(])--([a-z][a-z0-9-]*)")
	for _, line := range strings.Split(section, "\n") {
		if cells := strings.Split(line, " | "); strings.HasPrefix(line, "| `--") && len(cells) > 1 {
			for _, m := range name.FindAllStringSubmatch(cells[0], -1) {
				doc[m[1]] = true
			}
		}
	}
	var diff []string
	for k := range have {
		if !doc[k] {
			diff = append(diff, "no row for --"+k)
		}
	}
	for k := range doc {
		if !have[k] {
			diff = append(diff, "a row for --"+k+", which api --url does not take")
		}
	}
	sort.Strings(diff)
	for _, d := range diff {
		t.Errorf("docs/api.md, Your own service: %s", d)
	}
	if len(have) < 15 {
		t.Errorf("read %d flags from api --url's usage; has its format changed?", len(have))
	}
}
