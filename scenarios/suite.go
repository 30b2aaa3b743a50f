// Package scenarios holds the Ginkgo specs of tenantfuzz: one spec per
// isolation property and relation, labelled (rls, read, context,
// soc2:CC6.1 ...), each a thin wrapper around a harness property that runs
// rapid inside. The CLI runs them in-process; go test runs them too.
package scenarios

import (
	"slices"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/router"
	"github.com/tenantfuzz/tenantfuzz/harness/vector"
	"github.com/tenantfuzz/tenantfuzz/properties"
)

// Suite is what the specs run against and where their results go.
type Suite struct {
	Target  *harness.Target
	Options harness.RunOptions
	// Deadline is the end of the time budget; specs share what is left.
	Deadline time.Time
	// Properties and Relation, when set, restrict the specs (--property,
	// repeatable; replay).
	Properties []string
	Relation   string
	// JUnitPath, when set, receives a JUnit report with stable names.
	JUnitPath string
	// Shard and Shards split the specs across CI machines: this run
	// builds only the specs whose position (in the fixed tree order) is
	// Shard modulo Shards. Per-spec seeds derive from the run seed and the
	// spec's name, so the shards of one seed together run exactly the
	// checks of the unsharded run. Shards 0 means no sharding.
	Shard, Shards int
	spec          int // position of the next spec in tree order
	// Router, when set, runs the level-3 specs (routing, migration);
	// without it they are not applicable, for the reason RouterOff gives.
	Router    *router.Env
	RouterOff string
	// API, when set, runs the API specs (the service started per run on
	// loopback); without it they are not applicable, for the reason
	// APIOff gives.
	API    *api.Env
	APIOff string
	// Vector, when set, runs the vector specs, in VectorModes; without it
	// they are not applicable, for the reason VectorOff gives.
	Vector      *vector.Env
	VectorModes []vector.Mode
	VectorOff   string

	// Workers, when set, are more targets like Target (clones of its
	// database, harness.Target.Clones): the specs' checks run on Target
	// and each of them at once (parallel.go). Results are those of a serial
	// run, in the same order.
	Workers []*harness.Target

	labels func([]string) bool // the run's label filter (parallel planning)
	pool   *pool

	mu      sync.Mutex
	large   *harness.BulkWorld
	results []*harness.Result
	pending int // specs not yet run, to share the budget
}

// Results returns the results recorded so far, in run order.
func (s *Suite) Results() []*harness.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*harness.Result(nil), s.results...)
}

// LargeWorld returns the large world the run loaded, or nil.
func (s *Suite) LargeWorld() *harness.BulkWorld {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.large
}

func (s *Suite) setLarge(w *harness.BulkWorld) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.large = w
}

func (s *Suite) record(r *harness.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results = append(s.results, r)
	s.pending--
}

// env is what the properties check on this run.
func (s *Suite) env() *properties.Env {
	vecOff, rtOff, apiOff := s.VectorOff, s.RouterOff, s.APIOff
	if vecOff == "" {
		vecOff = "no vector store under test in this run"
	}
	if rtOff == "" {
		rtOff = "no level-3 router under test in this run"
	}
	if apiOff == "" {
		apiOff = "no API service under test in this run"
	}
	return &properties.Env{Target: s.Target, Vector: s.Vector, VectorModes: s.VectorModes, VectorOff: vecOff, Router: s.Router, RouterOff: rtOff,
		API: s.API, APIOff: apiOff}
}

// selected reports whether the run selects the property (all when
// Properties is empty).
func (s *Suite) selected(name string) bool {
	return len(s.Properties) == 0 || slices.Contains(s.Properties, name)
}

// mine reports whether the next spec in tree order belongs to this shard.
func (s *Suite) mine() bool {
	i := s.spec
	s.spec++
	return s.Shards <= 1 || i%s.Shards == s.Shard
}

// specDeadline gives the next spec an equal share of the remaining budget.
func (s *Suite) specDeadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Deadline.IsZero() || s.pending <= 0 {
		return s.Deadline
	}
	left := time.Until(s.Deadline)
	return time.Now().Add(left / time.Duration(s.pending))
}

// current is the suite the specs read when Ginkgo builds its tree; Run sets
// it. Ginkgo runs one suite per process.
var current *Suite

// failer adapts Ginkgo's RunSpecs to a plain binary.
type failer struct{ failed bool }

func (f *failer) Fail() { f.failed = true }

// Run runs the specs against s and reports whether all passed. It may be
// called once per process (a Ginkgo rule).
func Run(s *Suite, sc types.SuiteConfig, rc types.ReporterConfig) bool {
	current = s
	s.labels = labelFilter(sc)
	gomega.RegisterFailHandler(ginkgo.Fail)
	defer s.wait()
	return ginkgo.RunSpecs(&failer{}, "tenantfuzz isolation", sc, rc)
}

// RunT runs the specs from a go test (or any Ginkgo testing T).
func RunT(t ginkgo.GinkgoTestingT, s *Suite, sc types.SuiteConfig, rc types.ReporterConfig) bool {
	current = s
	s.labels = labelFilter(sc)
	gomega.RegisterFailHandler(ginkgo.Fail)
	defer s.wait()
	return ginkgo.RunSpecs(t, "tenantfuzz isolation", sc, rc)
}
