package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// scriptRoles makes the repro scripts of a run on a shared server (DSN
// mode, where the schema's roles were created as per-run copies with a
// suffix, dropped at the end) name the schema's real roles, and says so in
// a comment: the copies no longer exist when the script is read. roles
// maps each role of the schema to its copy (harness.Target.Roles).
func scriptRoles(results []*harness.Result, roles map[string]string) {
	var pairs []string
	var olds []string
	back := map[string]string{}
	for orig, copy := range roles {
		if orig == copy {
			continue
		}
		back[copy] = orig
		olds = append(olds, regexp.QuoteMeta(copy))
		pairs = append(pairs, copy+" as "+orig)
	}
	if len(olds) == 0 {
		return
	}
	sort.Strings(pairs)
	sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
	re := regexp.MustCompile(`\b(` + strings.Join(olds, "|") + `)\b`)
	note := fmt.Sprintf("-- Roles: the run used per-run copies of the schema's roles, dropped since; this script names the schema's own (%s).\n", strings.Join(pairs, ", "))
	for _, r := range results {
		for _, f := range r.Findings {
			if f.Script == "" || !re.MatchString(f.Script) {
				continue
			}
			s := re.ReplaceAllStringFunc(f.Script, func(c string) string { return back[c] })
			if first, rest, ok := strings.Cut(s, "\n"); ok && strings.HasPrefix(first, "--") {
				s = first + "\n" + note + rest
			} else {
				s = note + s
			}
			f.Script = s
		}
	}
}
