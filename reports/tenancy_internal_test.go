package reports

import (
	"testing"

	"github.com/tenantfuzz/tenantfuzz/internal/reportcheck"
)

var sampleTenancy = []TableTenancy{
	{Relation: "countries", Treated: "global", By: "detected"},
	{Relation: "documents", Treated: "tenant column", By: "detected"},
	{Relation: "chunks", Treated: "owned through chunks_document_id_fkey", Through: "chunks_document_id_fkey", Parent: "documents", By: "detected"},
	{Relation: "profiles", Treated: "support", By: "--global"},
	{Relation: "tenants", Treated: "tenants table", By: "detected"},
	{Relation: "notes", Treated: "tenant column", By: "--owned"},
}

func TestTenancyLine(t *testing.T) {
	r := &Report{Scope: Scope{Tenancy: sampleTenancy}}
	want := "2 by tenant column (notes by --owned), 1 tenants table, 1 through a parent, 1 support (profiles by --global), 1 global (countries)"
	if got := r.tenancyLine(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := (&Report{}).tenancyLine(); got != "" {
		t.Errorf("no scope: %q", got)
	}
}

// TestTenancyValidates: scope.tenancy is documented in the report schema;
// an undocumented treatment or flag fails validation.
func TestTenancyValidates(t *testing.T) {
	r := sampleReport(false)
	r.Scope.Tenancy = sampleTenancy
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := reportcheck.JSON(JSONSchema, b); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]TableTenancy{
		"treated": {Relation: "x", Treated: "owned", By: "detected"},
		"by":      {Relation: "x", Treated: "global", By: "--shared"},
	} {
		r.Scope.Tenancy = []TableTenancy{bad}
		b, _ := r.JSON()
		if err := reportcheck.JSON(JSONSchema, b); err == nil {
			t.Errorf("bad %s validated", name)
		}
	}
}
