package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// TestBackendsSayWhatCIVerified: a run on the docker provider with
// Pinecone says, in report.json (valid against the schema), summary.md,
// the text summary and the HTML report, that neither backend is verified
// in CI; a run on verified backends lists them as verified and warns of
// nothing.
func TestBackendsSayWhatCIVerified(t *testing.T) {
	r := sampleReport(false)
	if len(r.Run.Backends) != 2 || len(r.Unverified()) != 0 {
		t.Errorf("dsn with the fake: backends %+v, unverified %+v", r.Run.Backends, r.Unverified())
	}
	in := Input{Version: "0.1.0", Results: sampleResults(false), Run: r.Run, Target: r.Target}
	in.Run.Provider, in.Run.Backends, in.Target.Vector = "docker", nil, "pinecone"
	r = Build(in)
	r.SetExitCode(0)
	var names []string
	for _, b := range r.Unverified() {
		names = append(names, b.Layer+" "+b.Name)
	}
	if strings.Join(names, ", ") != "postgres docker, vector pinecone" {
		t.Fatalf("unverified: %v", names)
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := reportcheck.JSON(JSONSchema, js); err != nil {
		t.Error(err)
	}
	if !strings.Contains(string(js), `"verified_in_ci": false`) {
		t.Error("report.json does not record the unverified backends")
	}
	var md, txt, html bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	r.WriteSummary(&txt, nil)
	if err := r.WriteHTML(&html, ""); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"summary.md": md.String(), "summary": txt.String(), "report.html": html.String()} {
		if !strings.Contains(out, "docker") || !strings.Contains(out, "pinecone") || !strings.Contains(out, "not verified in CI") {
			t.Errorf("%s does not say docker and pinecone are not verified in CI", name)
		}
	}
}
