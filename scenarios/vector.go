package scenarios

import (
	. "github.com/onsi/ginkgo/v2"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
)

// The vector specs: one per vector property and isolation mode, named
// "vector <property> <mode>", against the suite's vector environment (the
// fake Pinecone server by default).
var _ = Describe("vector", Label("vector"), func() {
	s := current
	if s == nil || s.Vector == nil {
		return
	}
	for _, p := range vector.Properties {
		if s.Property != "" && s.Property != p.Name {
			continue
		}
		Describe(p.Name, Label(p.Labels...), func() {
			for _, mode := range s.VectorModes {
				if (s.Relation != "" && s.Relation != string(mode)) || !s.mine() {
					continue
				}
				s.pending++
				It(string(mode), func(ctx SpecContext) {
					opts := s.Options
					opts.Deadline = s.specDeadline()
					res := p.Run(ctx, s.Vector, mode, opts)
					s.record(res)
					verdictOf(res)
				})
			}
		})
	}
})
