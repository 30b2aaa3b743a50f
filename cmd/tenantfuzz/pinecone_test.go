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

// TestUnverifiedBackendsNoted: a run on --postgres docker with --vector
// pinecone says, before it starts anything, that CI verifies neither
// (reports.Backends); with no Docker engine (DOCKER_HOST points nowhere)
// it then fails to start, exit 2, and never prints the key.
func TestUnverifiedBackendsNoted(t *testing.T) {
	const key = "pk-v7-secret-never-printed"
	r := cli(t, []string{"PINECONE_API_KEY=" + key, "DOCKER_HOST=unix:///nonexistent/docker.sock"},
		"run", "--postgres", "docker", "--vector", "pinecone", "--pinecone-host", "127.0.0.1:1", "--checks", "2")
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (no Docker engine)\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"--postgres docker is unverified in CI", "--vector pinecone is unverified in CI"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Error("the API key was printed")
	}
}
