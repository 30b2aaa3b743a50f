package isolation

import (
	"context"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Specs adds tenantfuzz's SQL specs to the Ginkgo tree being built, the
// way `tenantfuzz run` lays them out: a Describe per property with the
// property's labels (rls, read, write, context ...), an It per subject
// named after it, so `ginkgo --label-filter=rls` and focus work as in
// tenantfuzz. A finding fails its It with the summary and replay line.
//
// The target must be started before the tree is built: in the suite's
// Test function, before RunSpecs (see docs/keep-it-fixed.md):
//
//	func TestSuite(t *testing.T) {
//		tg := isolation.StartT(t, isolation.Options{Schema: "../migrations"})
//		isolation.Specs(tg, isolation.CheckOptions{})
//		RegisterFailHandler(Fail)
//		RunSpecs(t, "my suite")
//	}
func Specs(tg *Target, o CheckOptions) bool {
	names := o.Properties
	if names == nil {
		names = defaultProperties
	}
	if o.Checks <= 0 {
		o.Checks = 20
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return ginkgo.Describe("tenantfuzz", func() {
		for _, name := range names {
			p := harness.PropertyByName(name)
			if p == nil {
				ginkgo.It(name, func() { ginkgo.Fail("isolation.Specs: no property " + name) })
				continue
			}
			ginkgo.Describe(p.Name, ginkgo.Label(p.Labels...), func() {
				for _, subj := range p.Subjects(tg.Target) {
					ginkgo.It(subj.Name, func() {
						res := p.RunSubject(context.Background(), tg.Target, subj, harness.RunOptions{Checks: o.Checks, Seed: o.Seed, ShrinkTime: 2 * time.Second, ReplayBase: tg.ReplayBase()})
						if res.Err != nil {
							ginkgo.Fail(res.Err.Error())
						}
						var msgs []string
						for _, f := range res.Findings {
							msgs = append(msgs, f.String())
						}
						if len(msgs) > 0 {
							ginkgo.Fail(strings.Join(msgs, "\n\n"))
						}
					})
				}
			})
		}
	})
}
