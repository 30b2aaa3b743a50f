package harness

import (
	"regexp"
	"sort"
	"strings"
)

// settingReadRE matches a setting read by name: current_setting('name' ...).
var settingReadRE = regexp.MustCompile(`(?i)current_setting\s*\(\s*'([^']+)'`)

// borrowSettings lists the settings the pool property inspects at every
// borrow: those the context strategy sets, plus every setting the policies
// read with current_setting, directly or through the user functions they
// call (transitively). The second part matters when --context-sql calls
// a function that sets a setting the strategy does not name (the vendor
// sample's set_tenant_context sets app.current_tenant while the default
// setting is app.tenant_id): what a policy reads is what a stale value
// leaks through.
//
// Limits: names built at run time (format('app.%s', ...)) and settings read
// by functions referenced only through dynamic SQL are not found; a
// function is taken as called when its name followed by "(" appears in a
// policy or a called function.
func (tg *Target) borrowSettings() []string {
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
	var texts []string
	for _, r := range tg.Catalog.Relations {
		for _, p := range r.Policies {
			texts = append(texts, p.Using, p.WithCheck)
		}
	}
	called := map[int]bool{}
	for grew := true; grew; {
		grew = false
		all := strings.ToLower(strings.Join(texts, "\n"))
		for i, f := range tg.Catalog.Functions {
			if !called[i] && strings.Contains(all, strings.ToLower(f.Name)+"(") {
				called[i] = true
				texts = append(texts, f.Source)
				grew = true
			}
		}
	}
	var read []string
	for _, t := range texts {
		for _, m := range settingReadRE.FindAllStringSubmatch(t, -1) {
			read = append(read, strings.ToLower(m[1]))
		}
	}
	sort.Strings(read)
	for _, s := range read {
		add(s)
	}
	return out
}
