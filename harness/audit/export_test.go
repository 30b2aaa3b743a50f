package audit

// VersionCheckIDs lists the version checks proven by TestAdvisories, for
// the coverage test of the external test package.
func VersionCheckIDs() []string {
	var out []string
	for _, c := range advisoryCases {
		out = append(out, c.check)
	}
	return out
}
