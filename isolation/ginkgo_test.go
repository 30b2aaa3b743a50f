package isolation_test

import (
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
	"github.com/tenantfuzz/tenantfuzz/isolation"
)

// TestSpecsInAGinkgoSuite: tenantfuzz's specs added to a suite as a user
// would (docs/keep-it-fixed.md) run under its label filter and pass on
// the reference schema; the labels select them (rls && context picks
// fail-closed's specs, one per relation).
func TestSpecsInAGinkgoSuite(t *testing.T) {
	tg := isolation.StartT(t, isolation.Options{})
	isolation.Specs(tg, isolation.CheckOptions{Properties: []string{"fail-closed", "write-isolation"}, Checks: 1})
	var ran, passed int
	ginkgo.ReportAfterSuite("count", func(r ginkgo.Report) {
		for _, s := range r.SpecReports {
			if s.LeafNodeType == types.NodeTypeIt && s.State != types.SpecStateSkipped {
				ran++
				if s.State == types.SpecStatePassed {
					passed++
				}
			}
		}
	})
	gomega.RegisterFailHandler(ginkgo.Fail)
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = "rls && context"
	if !ginkgo.RunSpecs(t, "isolation", sc, rc) {
		t.Error("tenantfuzz specs failed on the reference schema")
	}
	if ran == 0 || passed != ran {
		t.Errorf("%d specs ran, %d passed", ran, passed)
	}
}
