package harness

import "context"

// borrowSettings lists the settings the pool property inspects at every
// borrow: those the context strategy sets, plus every setting the policies
// read, directly or through the functions they call (transitively), as the
// context diagnosis reads them from PostgreSQL's parse trees. The second
// part matters when --context-sql calls a function that sets a setting the
// strategy does not name: what a policy reads is what a stale value leaks
// through.
//
// Limits: names built at run time (format('app.%s', ...)) are not found
// (the diagnosis says it is undecided then).
func (tg *Target) borrowSettings(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range tg.Strategy.Settings(tg) {
		add(s)
	}
	d, err := tg.Diagnosis(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range d.ReadSettings() {
		add(s)
	}
	return out, nil
}
