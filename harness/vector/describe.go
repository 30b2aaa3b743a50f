package vector

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// jsonOf renders metadata or a filter as JSON with sorted keys.
func jsonOf(v any) string {
	if v == nil {
		return "none"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// who names a caller: its label and its tenant id.
func who(w *generators.VectorWorld, caller int) string {
	if caller < 0 {
		return `no tenant (tenant id "")`
	}
	return fmt.Sprintf("%s (tenant id %q)", w.Label(caller), w.Key(caller))
}

// describeOp renders an operation as a line a developer can follow.
func describeOp(w *generators.VectorWorld, op generators.VectorOp) string {
	var b strings.Builder
	b.WriteString(who(w, op.Caller) + " " + string(op.Kind))
	switch op.Kind {
	case generators.OpQuery:
		fmt.Fprintf(&b, " top_k=%d include_values=%t include_metadata=%t filter=%s vector=%v (near %s)", op.TopK, op.IncludeValues, op.IncludeMetadata, jsonOf(op.Filter), op.Vector, op.Near)
	case generators.OpQueryID:
		fmt.Fprintf(&b, " id=%q top_k=%d filter=%s", op.IDs[0], op.TopK, jsonOf(op.Filter))
	case generators.OpFetch, generators.OpDelete:
		fmt.Fprintf(&b, " ids=%q", op.IDs)
	case generators.OpList:
		fmt.Fprintf(&b, " prefix=%q limit=%d (up to 5 pages)", op.Prefix, op.Limit)
	case generators.OpUpsert:
		for _, r := range op.Records {
			fmt.Fprintf(&b, " [id=%q values=%v metadata=%s]", r.ID, r.Values, jsonOf(r.Metadata))
		}
	case generators.OpUpdate:
		fmt.Fprintf(&b, " id=%q values=%v set_metadata=%s", op.IDs[0], op.Values, jsonOf(op.Metadata))
	case generators.OpDeleteWhere:
		fmt.Fprintf(&b, " filter=%s", jsonOf(op.Filter))
	}
	return b.String()
}

// finding builds a finding for the last operation of the session.
func (s *session) finding(kind harness.Kind, op generators.VectorOp, other int, evidence []string, expected string) *harness.Finding {
	f := &harness.Finding{
		Kind:        kind,
		Severity:    kind.Severity(),
		Property:    s.property,
		Relation:    "vector:" + string(s.mode),
		Tenant:      s.w.Key(op.Caller),
		TenantLabel: s.w.Label(op.Caller),
		Context:     "tenant",
		Statement:   describeOp(s.w, op),
		Evidence:    evidence,
		Expected:    expected,
	}
	if op.Caller < 0 {
		f.Context = "no tenant"
	}
	if kind == KindSQLVectorMismatch {
		f.Severity = harness.SeverityHigh // a leak on the SQL side, or chunks whose vectors are lost
	}
	if other >= 0 {
		f.OtherTenant, f.OtherLabel = s.w.Key(other), s.w.Label(other)
	} else {
		f.OtherLabel = "other tenants"
	}
	f.Script = s.script(f)
	return f
}

// script renders the reproduction: the setup, the world as it was
// written, every operation in order, what was expected and what was seen.
func (s *session) script(f *harness.Finding) string {
	var b strings.Builder
	repo := "reference repository"
	if s.env.Mutant != nil {
		repo = "mutant " + s.env.Mutant.Name + " (" + harness.LeaksRef(s.env.Mutant.Entry) + ")"
	}
	fmt.Fprintf(&b, "# tenantfuzz vector reproduction: %s\n", f.Summary())
	fmt.Fprintf(&b, "# backend %s, metric %s, dimension %d; mode %s (%s); tenant field %q\n", s.env.Backend, s.env.Metric, s.env.Dim, s.mode, repo, s.w.TenantKey)
	b.WriteString("# Start from an empty index, then run in order:\n")
	for _, t := range s.w.Tenants {
		fmt.Fprintf(&b, "#   tenant %s has tenant id %q\n", t.Label, t.Key)
	}
	for i, d := range s.done {
		fmt.Fprintf(&b, "%3d. %s\n", i+1, d)
	}
	if f.Expected != "" {
		fmt.Fprintf(&b, "# expected: %s\n", f.Expected)
	}
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "# saw: %s\n", e)
	}
	return b.String()
}

// describeRecord is evidence for a returned record: its id, owners and a
// short form of its content.
func describeRecord(w *generators.VectorWorld, r returned, owners []int) string {
	var labels []string
	for _, o := range owners {
		labels = append(labels, w.Label(o))
	}
	if r.Meta == nil {
		return fmt.Sprintf("id=%q owner=%s (by its values; metadata not returned)", r.ID, strings.Join(labels, "+"))
	}
	text, _ := r.Meta[generators.VectorTextKey].(string)
	content := fmt.Sprintf("%s=%q", generators.VectorTextKey, text)
	if src, ok := r.Meta[generators.VectorSourceKey].(string); ok { // a shared text: the canary is the source's
		content += fmt.Sprintf(" %s=%q", generators.VectorSourceKey, src)
	}
	return fmt.Sprintf("id=%q owner=%s %s %s=%v", r.ID, strings.Join(labels, "+"), content, w.TenantKey, r.Meta[w.TenantKey])
}
