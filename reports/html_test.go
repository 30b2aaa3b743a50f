package reports

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/internal/needtool"
	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

// TestHTMLContent: the page is self-contained and holds what an auditor
// needs: the verdict, the controls with their evidence, the target's
// digests, the charts, every finding with its script and replay line,
// the kill matrix, the reproduce command and report.json's sha256.
func TestHTMLContent(t *testing.T) {
	const sum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	r := sampleReport(true)
	var b bytes.Buffer
	if err := r.WriteHTML(&b, sum); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if err := reportcheck.HTML(b.Bytes()); err != nil {
		t.Error(err)
	}
	for _, want := range []string{
		`<div class="word">LEAK</div>`, "SOC 2 CC6.1", "SOC 2 CC6.6", "SOC 2 CC7.1", "SOC 2 CC8.1", r.Target.SHA256, r.Target.Files[0].SHA256,
		"Checks per property", "Statement mix", "Findings by kind", "Vector operations", "<svg", "Time to detect per seeded defect",
		"like-prefix-policy", "survived", "Minimal script (repro-1.sql)", "SET LOCAL ROLE app_user", "tenantfuzz replay --profile quick",
		"fixtures/mutants/rls_off.sql:2", "configuration and bypass", sum, "tenantfuzz run --profile quick --seed 5", "connection reset",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	var clean bytes.Buffer
	sampleReport(false).WriteHTML(&clean, "")
	for _, want := range []string{`<div class="word">PASS</div>`, "No findings", "redacted in evidence"} {
		if !strings.Contains(clean.String(), want) {
			t.Errorf("clean report.html lacks %q", want)
		}
	}
	if strings.Contains(clean.String(), "Kill matrix") {
		t.Error("clean report without mutants.json shows a kill matrix")
	}
}

// TestHTMLRendersInChromium renders the report with findings in headless
// Chromium (Debian's chromium), checks that the DOM it built holds every
// section, and takes a full-page screenshot (kept in
// $TENANTFUZZ_SCREENSHOT_DIR when set, for people to look at).
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := sampleReport(true).WriteHTML(&b, strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(page, b.Bytes(), 0o644)
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + filepath.Join(dir, "profile")}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, bin, append(args, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, id := range []string{`id="controls"`, `id="target"`, `id="scope"`, `id="thoroughness"`, `id="findings"`, `id="finding-1"`, `id="audit"`, `id="mutants"`, `id="reproduce"`} {
		if !bytes.Contains(dom, []byte(id)) {
			t.Errorf("the DOM Chromium built lacks %s", id)
		}
	}
	shot := filepath.Join(dir, "report.png")
	if keep := os.Getenv("TENANTFUZZ_SCREENSHOT_DIR"); keep != "" {
		shot = filepath.Join(keep, "report.png")
	}
	out, err := exec.CommandContext(ctx, bin, append(args, "--window-size=1280,7000", "--screenshot="+shot, "file://"+page)...).CombinedOutput()
	if err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 24 || string(png[1:4]) != "PNG" {
		t.Fatalf("no PNG screenshot at %s: %v", shot, err)
	}
	if w, h := binary.BigEndian.Uint32(png[16:20]), binary.BigEndian.Uint32(png[20:24]); w != 1280 || h != 7000 || len(png) < 100_000 {
		t.Errorf("screenshot %dx%d, %d bytes: looks empty", w, h, len(png))
	}
	t.Logf("screenshot: %s", shot)
}

// chromium finds Debian's chromium. Tests install nothing: .ci/run
// installs chromium when missing; without it the test says so and skips,
// unless TENANTFUZZ_REQUIRE_TOOLS is set (a CI that promises the tool
// fails instead of hiding the gap).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	needtool.Missing(t, "chromium is not installed: apt-get install chromium (as .ci/run does) to run this test")
	return ""
}
