package reports

import "fmt"

// Verdict is a run's outcome in a word and a sentence.
type Verdict struct {
	Word string // PASS, LEAK, FAIL, BLIND, ERROR or INTERRUPTED
	Text string
}

// verdict decides the run's outcome. A leak outranks errors (it is what
// the gate exists to catch, and the exit code is 1 either way); a static
// audit over --fail-on-audit fails the gate without a leak; errors (some
// property could not be checked, or nothing ran) leave no verdict.
func (r *Report) verdict() Verdict {
	t := r.Totals
	leaks := 0
	for _, f := range r.Findings {
		if f.Kind.Isolation() {
			leaks++
		}
	}
	other := ""
	if n := t.Findings - leaks; n > 0 {
		other = fmt.Sprintf("; %s listed apart: a tenant saw less than its own data (over-filtering, low)", plural(n, "other finding"))
	}
	switch {
	case r.Run.Interrupted:
		so := "no finding so far"
		if t.Findings > 0 {
			so = plural(t.Findings, "finding") + " so far, each real"
		}
		return Verdict{"INTERRUPTED", fmt.Sprintf("%s stopped the run after %s (%s); the properties not run are listed with the reason; this is partial evidence, not a pass", r.Run.Signal, plural(t.Scenarios-t.NotApplicable, "scenario"), so)}
	case leaks > 0 && t.Errors+t.Blind > 0:
		return Verdict{"LEAK", fmt.Sprintf("%s: tenants saw or wrote other tenants' data; %s could not be checked or proved nothing%s", plural(leaks, "finding"), plural(t.Errors+t.Blind, "scenario"), other)}
	case leaks > 0:
		return Verdict{"LEAK", fmt.Sprintf("%s: tenants saw or wrote other tenants' data%s", plural(leaks, "finding"), other)}
	case t.Findings > 0:
		return Verdict{"FAIL", fmt.Sprintf("no tenant saw or wrote another tenant's rows, but %s: a tenant saw less than its own data (over-filtering, low)", plural(t.Findings, "finding"))}
	case t.Errors > 0:
		return Verdict{"ERROR", fmt.Sprintf("%s could not be checked", plural(t.Errors, "scenario"))}
	case t.Blind > 0:
		return Verdict{"BLIND", fmt.Sprintf("%s proved nothing: the probes could not have seen a leak, or the tenant never saw its own rows; each says why", plural(t.Blind, "scenario"))}
	case t.Scenarios == 0 || t.Scenarios == t.NotApplicable:
		return Verdict{"ERROR", "no scenario ran"}
	case r.Run.ExitCode == 1:
		return Verdict{"FAIL", "no leak, but static audit results at or above --fail-on-audit"}
	case t.NotApplicable > 0:
		return Verdict{"PASS", fmt.Sprintf("no tenant saw or wrote another tenant's rows; %s not applicable, each with its reason", plural(t.NotApplicable, "scenario"))}
	}
	return Verdict{"PASS", "no tenant saw or wrote another tenant's rows"}
}

// plural writes "1 finding", "2 findings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
