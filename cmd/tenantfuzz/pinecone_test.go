package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPineconeMissingRefused: --vector pinecone without a host or a key
// exits 2 with one line naming what is missing, before PostgreSQL starts,
// writes no report, and never prints the key.
func TestPineconeMissingRefused(t *testing.T) {
	const key = "pk-v7-secret-never-printed"
	for _, c := range []struct {
		name    string
		env     []string
		args    []string
		missing string
	}{
		{"no host", []string{"PINECONE_API_KEY=" + key}, nil, "--pinecone-host"},
		{"no key", []string{"PINECONE_API_KEY="}, []string{"--pinecone-host", "localhost:5081"}, "PINECONE_API_KEY"},
		{"neither", []string{"PINECONE_API_KEY="}, nil, "--pinecone-host and PINECONE_API_KEY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, c.env, append([]string{"run", "--vector", "pinecone", "--checks", "2"}, c.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want %d\n%s\n%s", r.code, 2, r.stdout, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "needs "+c.missing+" (") {
				t.Errorf("stderr is not one line naming %s:\n%s", c.missing, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, key) {
				t.Error("the API key was printed")
			}
			if _, err := os.Stat(filepath.Join(r.dir, "report.json")); err == nil {
				t.Error("a refused run wrote report.json")
			}
		})
	}
}
