package reports

import (
	"fmt"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Sighting is another observation of a grouped finding's defect: the
// property and subject whose check saw it, what it was seen as, and the
// line that replays that check.
type Sighting struct {
	Property string       `json:"property"`
	Subject  string       `json:"subject"`
	Kind     harness.Kind `json:"kind"`
	Summary  string       `json:"summary"`
	Replay   string       `json:"replay"`
}

// group enforces "one defect, one finding": findings with the same cause
// become one finding under the relation that leaks, the others kept as
// its sightings (property, subject, replay). Same cause means:
//
//   - rls-bypassed on one relation (the same role chain skips its RLS);
//   - leaks of rows (cross-tenant, fail-open, differential reads) through
//     one relation that is not a table of its own: a view, a function or
//     a materialized view runs with its owner's rights whatever context
//     the statement carries, so every such read is the same defect;
//   - on a table, the same kind of leak on it (cross-tenant reads and
//     differential reads together: both are rows of others reaching a
//     tenant's result through the same policies);
//   - context leaks and context injections: the context plumbing, one
//     finding per kind whatever relation showed it.
//
// Other kinds (side channels, over-filtering, plan cache, vector and
// routing kinds) are not grouped: their findings name different keys,
// relations or requests. The finding kept is the first in report order
// of those lead ranks highest.
func group(fs []Finding, tg *harness.Target) []Finding {
	out := make([]Finding, 0, len(fs))
	index := map[string]int{}
	for _, f := range fs {
		key := groupKey(f, tg)
		if key == "" {
			out = append(out, f)
			continue
		}
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			out = append(out, f)
			continue
		}
		keep := &out[i]
		if lead(f) > lead(*keep) {
			also := append([]Sighting{sightingOf(*keep)}, keep.Also...)
			*keep = f
			keep.Also = append(f.Also, also...)
			continue
		}
		keep.Also = append(append(keep.Also, sightingOf(f)), f.Also...) // a merged report's findings bring theirs
	}
	return out
}

// groupKey is the cause a finding is grouped by, "" for kinds not grouped.
func groupKey(f Finding, tg *harness.Target) string {
	switch f.Kind {
	case harness.KindRLSBypassed:
		return "bypass\x00" + f.Relation
	case harness.KindContextLeak, harness.KindContextInjection:
		return "context\x00" + string(f.Kind)
	case harness.KindCrossTenantRead, harness.KindDifferentialRead, harness.KindFailOpenRead:
		if ownRights(f.Relation, tg) {
			return "object\x00" + f.Relation
		}
		class := "read"
		if f.Kind == harness.KindFailOpenRead {
			class = "fail-open"
		}
		return class + "\x00" + f.Relation
	case harness.KindCrossTenantWrite:
		return "write\x00" + f.Relation
	}
	return ""
}

// ownRights reports whether a relation reads its rows with its owner's
// rights: a function source, a view or a materialized view. Without the
// target, a name with an argument list is taken for a function.
func ownRights(name string, tg *harness.Target) bool {
	if tg == nil {
		return strings.Contains(name, "(")
	}
	rel := tg.Catalog.Relation(name)
	if rel == nil {
		return false
	}
	switch {
	case rel.Function != nil, rel.Kind == catalog.KindFunction, rel.Kind == catalog.KindMatView:
		return true
	case rel.Kind == catalog.KindView:
		return !rel.SecurityInvoker
	}
	return false
}

// lead ranks which sighting leads a group: one from the leaking
// relation's own scenario first, then one that names two tenants (a
// tenant's context saw another's rows) over one without a context.
func lead(f Finding) int {
	n := 0
	if onOwnSubject(f) {
		n += 2
	}
	if f.Tenant != "" && f.OtherTenant != "" {
		n++
	}
	return n
}

// onOwnSubject reports whether the finding's scenario checked the leaking
// relation itself (read-isolation documents for a leak of documents).
func onOwnSubject(f Finding) bool {
	return strings.HasSuffix(f.Scenario, " "+f.Relation)
}

// sightingOf is f as another sighting: for rls-bypassed, what was seen
// (its first evidence line) rather than the cause the group shares.
func sightingOf(f Finding) Sighting {
	subject := strings.TrimPrefix(f.Scenario, f.Property+" ")
	summary := f.Detail()
	if f.Kind == harness.KindRLSBypassed && len(f.Evidence) > 0 && strings.HasPrefix(f.Evidence[0], "seen as ") {
		summary = f.Evidence[0]
	}
	return Sighting{Property: f.Property, Subject: subject, Kind: f.Kind, Summary: summary, Replay: f.Replay}
}

// Line is the sighting as one "also seen:" line: property, subject, what
// it was seen as, and its replay.
func (s Sighting) Line() string {
	return fmt.Sprintf("also seen: %s %s (%s: %s); replay: %s", s.Property, s.Subject, s.Kind, s.Summary, s.Replay)
}
