package router

// ApplyMigrationMutant gives external tests the mutant's migration defect.
func ApplyMigrationMutant(m *Mutant, mig *Migration) {
	if m.migration != nil {
		m.migration(mig)
	}
}
