package router_test

import (
	"context"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

func TestReferencePassesEveryProperty(t *testing.T) {
	env := testEnv(t)
	for _, p := range router.Properties {
		res := p.Run(context.Background(), env, opts(25, 3))
		t.Logf("%s: checks=%d requests=%d rows=%d reached=%d refused=%d %v (%.2fs)", p.Name, res.Checks, res.Statements, res.Rows, res.Reached, res.Rejected, res.ByKind, res.Seconds)
		if res.Err != nil {
			t.Errorf("%s: %v", p.Name, res.Err)
		}
		for _, f := range res.Findings {
			t.Errorf("%s: unexpected finding: %s\n%s\n%s", p.Name, router.Headline(f), f.Replay, f.Script)
		}
		// Coverage, not just absence of findings: refusals and services of
		// every kind the property is about.
		want := map[string][]string{
			"routing-isolation": {"plain"},
			"hostile-hosts":     {"upper", "capitalised", "trailing-dot", "port", "dot-port"},
			"migration":         {"plain", "waited"},
		}[p.Name]
		for _, k := range want {
			if res.ByKind[k] == 0 {
				t.Errorf("%s: no request of kind %q was served: %v", p.Name, k, res.ByKind)
			}
		}
		if res.Rejected == 0 {
			t.Errorf("%s: the router refused nothing: the refusal paths went untested", p.Name)
		}
	}
}

func TestEveryMutantIsKilledWithAReplayableFinding(t *testing.T) {
	env := testEnv(t)
	for _, m := range router.Mutants {
		t.Run(m.Name, func(t *testing.T) {
			k, err := router.HuntMutant(context.Background(), env, m, opts(40, 5))
			if err != nil {
				t.Fatal(err)
			}
			res := k.Result
			if res.Err != nil {
				t.Fatalf("%s: %v", m.Property, res.Err)
			}
			if len(res.Findings) == 0 {
				t.Fatalf("%s survived %d checks of %s (%d requests)", m.Name, res.Checks, m.Property, res.Statements)
			}
			f := res.Findings[0]
			t.Logf("killed after %d checks (%.2fs): %s\n  replay: %s", res.Checks, res.SecondsToFinding, router.Headline(f), f.Replay)
			if !k.Killed {
				t.Errorf("found as %s, want one of %v: %s", f.Kind, m.Kinds, router.Headline(f))
			}
			if f.Script == "" || f.Replay == "" || f.Seed == 0 || f.Property != m.Property {
				t.Errorf("finding lacks script, replay, seed or property: %+v", f)
			}
			if !k.Replays {
				t.Errorf("replay from seed %d did not reproduce %s", f.Seed, f.Kind)
			}
		})
	}
}
