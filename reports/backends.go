package reports

// Backend is one backend a run can check against, and whether this
// build's test suite (make test, run by .ci/run) exercised it: a backend
// the suite cannot reach in CI is a promise nobody tested there, and the
// report says so rather than letting a green run imply it.
type Backend struct {
	Layer        string `json:"layer"` // "postgres" or "vector"
	Name         string `json:"name"`  // the --postgres / --vector value
	VerifiedInCI bool   `json:"verified_in_ci"`
	How          string `json:"how"` // which tests verify it, or why none can in CI
}

// Backends is the one table of what the build's tests verify, read by the
// reports, by `tenantfuzz run` (which prints a note for an unverified
// backend) and by docs/reports.md. Keep it true: a backend is verified
// only when a test that runs in .ci/run (no skip there) checks it.
var Backends = []Backend{
	{Layer: "postgres", Name: "embedded", VerifiedInCI: true,
		How: "every test and the kill matrix run on PostgreSQL servers started from the local binaries"},
	{Layer: "postgres", Name: "dsn", VerifiedInCI: true,
		How: "TestOpenDSN and a whole gate run over --dsn (cmd/tenantfuzz) against a local server"},
	{Layer: "postgres", Name: "docker", VerifiedInCI: false,
		How: "no Docker engine where CI runs: TestStartDocker skips; only the container's options and the no-engine error are tested"},
	{Layer: "vector", Name: "fake", VerifiedInCI: true,
		How: "the vector properties and the kill matrix run on the in-process fake, held by the conformance suite to what Pinecone documents"},
	{Layer: "vector", Name: "pinecone", VerifiedInCI: false,
		How: "no Pinecone index in CI: TestPineconeConforms skips without PINECONE_API_KEY, so the fake is held only to Pinecone's documentation, not to the service"},
}

// BackendOf returns the table's row for a backend ("", false when the
// table has none).
func BackendOf(layer, name string) (Backend, bool) {
	for _, b := range Backends {
		if b.Layer == layer && b.Name == name {
			return b, true
		}
	}
	return Backend{}, false
}

// runBackends lists the backends a run used (its PostgreSQL provider, and
// its vector backend when it had one), each with what CI verified.
func runBackends(provider, vector string) []Backend {
	var out []Backend
	if b, ok := BackendOf("postgres", provider); ok {
		out = append(out, b)
	}
	if vector != "" {
		if b, ok := BackendOf("vector", vector); ok {
			out = append(out, b)
		}
	}
	return out
}

// Unverified lists the run's backends this build's CI did not verify.
func (r *Report) Unverified() []Backend {
	var out []Backend
	for _, b := range r.Run.Backends {
		if !b.VerifiedInCI {
			out = append(out, b)
		}
	}
	return out
}
