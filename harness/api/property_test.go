package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// The reference service is clean, and the run is neither blind (requests
// reached other tenants' rows) nor without the positive control.
func TestAPIReferenceClean(t *testing.T) {
	env := testEnv(t)
	start := time.Now()
	res := api.APIIsolation.Run(context.Background(), env, opts(20, 7))
	if res.Err != nil || len(res.Findings) > 0 || res.Verdict != harness.VerdictPass {
		t.Fatalf("reference: verdict %s (%s), err %v, findings %v", res.Verdict, res.Reason, res.Err, res.Findings)
	}
	if res.Own == 0 || res.Reached == 0 {
		t.Fatalf("reference run proves nothing: own %d, reached %d", res.Own, res.Reached)
	}
	t.Logf("%d checks, %d requests, %d reaching other tenants, in %s", res.Checks, res.Statements, res.Reached, time.Since(start).Round(time.Millisecond))
}

// Every mutant is killed by a finding of one of its kinds, with a curl
// reproduction, and the finding comes back from its seed alone.
func TestAPIMutantsKilled(t *testing.T) {
	env := testEnv(t)
	for _, m := range api.Mutants {
		t.Run(m.Name, func(t *testing.T) {
			k, err := api.HuntMutant(context.Background(), env, m, opts(50, 11))
			if err != nil {
				t.Fatal(err)
			}
			res := k.Result
			if res.Err != nil {
				t.Fatalf("%s: %v", m.Name, res.Err)
			}
			if len(res.Findings) == 0 {
				t.Fatalf("%s survived: %d checks, %d requests", m.Name, res.Checks, res.Statements)
			}
			f := res.Findings[0]
			if !k.Killed {
				t.Fatalf("%s: finding of kind %s does not kill it: %s", m.Name, f.Kind, f.Summary())
			}
			if !strings.Contains(f.Script, "curl ") || !strings.Contains(f.Replay, "--seed") {
				t.Fatalf("%s: no curl reproduction or replay line: %q / %q", m.Name, f.Script, f.Replay)
			}
			if line := signedTokenShown(f.Script); line != "" {
				t.Fatalf("%s: a token signed with the run's key is printed in the reproduction: %s", m.Name, line)
			}
			if !k.Replays {
				t.Fatalf("%s: the finding does not replay from seed %d", m.Name, f.Seed)
			}
			t.Logf("%s killed: %s\n%s\n%s", m.Name, f.Evidence[0], f.Script, f.Replay)
		})
	}
}

// signedTokenShown returns a curl line of script that prints a JWT
// literally without being a hostile token the run's key never signed ("#
// hostile token" on the line before), or "".
func signedTokenShown(script string) string {
	lines := strings.Split(script, "\n")
	for i, l := range lines {
		if strings.Contains(l, "Bearer ey") && (i == 0 || !strings.HasPrefix(lines[i-1], "# hostile token")) {
			return l
		}
	}
	return ""
}
