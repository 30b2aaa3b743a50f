package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// SkippedProperty is a registered property that recorded no scenario in
// this run, with the reason read from the run's settings: never a guess.
type SkippedProperty struct {
	Property string `json:"property"`
	Reason   string `json:"reason"`
}

// Reasons a property did not run, as reports state them.
const (
	skippedInterrupted = "interrupted: the run was stopped before it ran"
	skippedByProperty  = "not selected: --property named others"
)

// skippedProperties gives each property that recorded no scenario the
// reason, from the run's settings: --property, the profile's label
// filter, an unsized large world, --relation, --shard, an interruption.
// A property with none of these reasons says so instead of guessing.
func skippedProperties(run Run, notRun []string) []SkippedProperty {
	var out []SkippedProperty
	s := run.Settings
	if s == nil {
		s = &Settings{}
	}
	var match func([]string) bool
	if s.Labels != "" {
		if f, err := types.ParseLabelFilter(s.Labels); err == nil {
			match = f
		}
	}
	for _, name := range notRun {
		var reason string
		switch {
		case s.Property != "" && !slices.Contains(strings.Split(s.Property, ","), name):
			reason = skippedByProperty
		case match != nil && !match(propertyLabels(name)):
			reason = fmt.Sprintf("filtered out by the profile's label filter %q", s.Labels)
		case name == harness.LargeWorld.Name && s.LargeWorld == nil:
			reason = "off: no large world sized (--large-tenants N, or a profile with a large: section)"
		case run.Interrupted:
			reason = skippedInterrupted
		case s.Relation != "":
			reason = fmt.Sprintf("--relation %s is not one of its subjects", s.Relation)
		case run.Shard != "":
			reason = fmt.Sprintf("its specs belong to other shards than %s", run.Shard)
		default:
			reason = "no scenario recorded: none of the run's settings excludes it (the time budget, or a failure before it ran)"
		}
		out = append(out, SkippedProperty{name, reason})
	}
	return out
}
