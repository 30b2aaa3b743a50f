package main

import (
	"reflect"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

func TestShellSplitRoundTrip(t *testing.T) {
	o := options{profile: "quick", appRole: "app_user", tenantColumn: "tenant_id", contextSQL: "select set_tenant($1::uuid)", overlays: stringList{"it's here.sql"}}
	words, err := shellSplit(o.replayBase() + " --relation " + harness.ShellQuote("strategy sql"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tenantfuzz", "replay", "--profile", "quick", "--overlay", "it's here.sql", "--context-sql", "select set_tenant($1::uuid)", "--relation", "strategy sql"}
	if !reflect.DeepEqual(words, want) {
		t.Errorf("shellSplit = %q\nwant %q", words, want)
	}
	if _, err := shellSplit("a 'b"); err == nil {
		t.Error("unterminated quote accepted")
	}
}
