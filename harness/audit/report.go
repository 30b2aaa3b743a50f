package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Report is the outcome of one audit; it is embedded as is in report.json.
type Report struct {
	ServerVersionNum int    `json:"server_version_num"`
	AppRole          string `json:"app_role"`
	TenantColumn     string `json:"tenant_column"`
	ContextSetting   string `json:"context_setting"`
	// Checks lists the IDs of the checks that ran.
	Checks []string `json:"checks"`
	// Results are sorted most severe first, then by check and object.
	Results []Result `json:"results"`
	Counts  Counts   `json:"counts"`
}

// Counts are the results per severity.
type Counts struct {
	High   int `json:"high"`
	Medium int `json:"medium"`
	Low    int `json:"low"`
}

func (r *Report) count() {
	r.Counts = Counts{}
	for _, x := range r.Results {
		switch {
		case rank(x.Severity) >= rank(harness.SeverityHigh):
			r.Counts.High++
		case x.Severity == harness.SeverityMedium:
			r.Counts.Medium++
		default:
			r.Counts.Low++
		}
	}
}

// AtLeast lists the results at or above severity min.
func (r *Report) AtLeast(min harness.Severity) []Result {
	var out []Result
	for _, x := range r.Results {
		if AtLeast(x.Severity, min) {
			out = append(out, x)
		}
	}
	return out
}

// Related lists the results that explain a dynamic finding on relation
// (as the catalog prints it): those about that relation first, then the
// database-wide ones (roles, context functions, server version). A view's
// finding also gets the results about the tenant tables it reads when
// bases lists them.
func (r *Report) Related(relation string, bases ...string) []Result {
	on := map[string]bool{relation: true}
	for _, b := range bases {
		on[b] = true
	}
	var direct, wide []Result
	for _, x := range r.Results {
		switch {
		case x.Relation != "" && on[x.Relation]:
			direct = append(direct, x)
		case x.Relation == "":
			wide = append(wide, x)
		}
	}
	return append(direct, wide...)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode audit report: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes the report for people: one block per result, then the
// counts and the verdict against failOn.
func (r *Report) WriteText(w io.Writer, failOn harness.Severity) error {
	var b strings.Builder
	fmt.Fprintf(&b, "tenantfuzz audit: PostgreSQL %s, %d checks, application role %s, tenant column %s, context %s\n\n",
		release(r.ServerVersionNum), len(r.Checks), r.AppRole, r.TenantColumn, r.ContextSetting)
	for _, x := range r.Results {
		fmt.Fprintf(&b, "%-6s %s %s: %s\n", strings.ToUpper(string(x.Severity)), x.Check, x.Name, x.Object)
		fmt.Fprintf(&b, "       %s\n", x.Message)
		if x.File != "" {
			fmt.Fprintf(&b, "       at:  %s:%d\n", x.File, x.Line)
		}
		fmt.Fprintf(&b, "       fix: %s\n", x.Fix)
		fmt.Fprintf(&b, "       see: %s\n\n", leaksRef(x.Leaks))
	}
	fmt.Fprintf(&b, "%d results: %d high, %d medium, %d low\n", len(r.Results), r.Counts.High, r.Counts.Medium, r.Counts.Low)
	if n := len(r.AtLeast(failOn)); n > 0 {
		fmt.Fprintf(&b, "RESULT: FAIL (%d at or above %s)\n", n, failOn)
	} else {
		fmt.Fprintf(&b, "RESULT: PASS (nothing at or above %s)\n", failOn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
