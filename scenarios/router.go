package scenarios

import (
	. "github.com/onsi/ginkgo/v2"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
)

// The level-3 specs: one per routing property ("level3 <property>
// <subject>"), against the suite's router environment (a shared database
// and dedicated ones). They run one at a time: each check empties every
// level-3 database.
var _ = Describe("level3", Label("routing"), Serial, func() {
	s := current
	if s == nil || s.Router == nil {
		return
	}
	for _, p := range router.Properties {
		if (s.Property != "" && s.Property != p.Name) || (s.Relation != "" && s.Relation != p.Subject) || !s.mine() {
			continue
		}
		s.pending++
		It(p.Name+" "+p.Subject, Label(p.Labels...), func(ctx SpecContext) {
			opts := s.Options
			opts.Deadline = s.specDeadline()
			res := p.Run(ctx, s.Router, opts)
			s.record(res)
			verdictOf(res)
		})
	}
})
