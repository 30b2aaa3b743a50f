package main

import (
	"io"
	"reflect"
	"testing"
)

// TestTenancyFlagsReplay: --global and --owned parse (repeatable), reach
// the target's configuration, and every replay and run line carries them,
// so a finding replays on the same tenancy.
func TestTenancyFlagsReplay(t *testing.T) {
	var o options
	fs := newFlagSet("run", false, &o, io.Discard)
	if err := fs.Parse([]string{"--seed", "9", "--global", "profiles", "--global", "public.plans", "--owned", "notes"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := targetConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Global, []string{"profiles", "public.plans"}) || !reflect.DeepEqual(cfg.Owned, []string{"notes"}) {
		t.Errorf("config: global %v owned %v", cfg.Global, cfg.Owned)
	}
	words, err := shellSplit(runCommand(o, true))
	if err != nil {
		t.Fatal(err)
	}
	var again options
	if err := newFlagSet("replay", true, &again, io.Discard).Parse(words[2:]); err != nil {
		t.Fatalf("replay line %q does not parse: %v", words, err)
	}
	if !reflect.DeepEqual(again.global, o.global) || !reflect.DeepEqual(again.owned, o.owned) {
		t.Errorf("replay line %q lost the tenancy flags: global %v owned %v", words, again.global, again.owned)
	}
}
