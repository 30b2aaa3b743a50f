package reports

import (
	"bytes"
	"strings"
	"testing"
)

// TestMarkdown: summary.md has the verdict, a row per property, the first
// findings with their replay commands, and no more than it promises.
func TestMarkdown(t *testing.T) {
	r := sampleReport(true)
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{"## ❌ tenantfuzz: LEAK", "| `read-isolation` |", "| `vector-read-isolation` |", "❌ leak", "### Findings (3 of 3)",
		"```sh\n   tenantfuzz replay --profile quick --overlay fixtures/mutants/rls_off.sql --property read-isolation",
		"`fixtures/mutants/rls_off.sql:2`", "Static audit: 1 results", "**Error** in `hostile-ids strategy sql`"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	if rows := strings.Count(md, "\n| `"); rows != len(r.Properties) {
		t.Errorf("%d property rows for %d properties", rows, len(r.Properties))
	}
	b.Reset()
	sampleReport(false).WriteMarkdown(&b)
	if !strings.HasPrefix(b.String(), "## ✅ tenantfuzz: PASS") || strings.Contains(b.String(), "Findings") {
		t.Errorf("clean summary.md:\n%s", b.String())
	}
}

// TestMarkdownFirstFindingsOnly: a run with many findings shows the first
// few and says how many more there are.
func TestMarkdownFirstFindingsOnly(t *testing.T) {
	r := sampleReport(true)
	for len(r.Findings) < 12 {
		r.Findings = append(r.Findings, r.Findings[0])
	}
	r.derive()
	var b bytes.Buffer
	r.WriteMarkdown(&b)
	if got := strings.Count(b.String(), "```sh"); got != markdownFindings || !strings.Contains(b.String(), "7 more findings") {
		t.Errorf("%d replay blocks, want %d, and a note of 7 more:\n%s", got, markdownFindings, b.String())
	}
}
