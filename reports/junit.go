package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// JUnit XML in the shape GitLab's test report and the common GitHub
// actions (publish-unit-test-result, action-junit-report, test-reporter)
// read: <testsuites> of one <testsuite> per property, one <testcase> per
// property and subject, named "<property> <subject>" (no labels, no
// seeds: stable across runs), with the controls and counts as
// <properties>, and a <failure> per finding carrying its summary, the
// statement, the evidence and the replay command.

type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name       string          `xml:"name,attr"`
		Classname  string          `xml:"classname,attr"`
		Time       string          `xml:"time,attr"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Failures   []junitProblem  `xml:"failure,omitempty"`
		Error      *junitProblem   `xml:"error,omitempty"`
		Skipped    *junitSkipped   `xml:"skipped,omitempty"`
		SystemOut  string          `xml:"system-out,omitempty"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	}
)

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: "tenantfuzz", Time: seconds(r.Run.Seconds)}
	index := map[string]int{}
	for _, s := range r.Scenarios {
		i, ok := index[s.Property]
		if !ok {
			i = len(doc.Suites)
			index[s.Property] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: "tenantfuzz " + s.Property, Properties: r.junitSuiteProperties(s.Property)})
			if !r.Run.Started.IsZero() {
				doc.Suites[i].Timestamp = r.Run.Started.UTC().Format("2006-01-02T15:04:05")
			}
		}
		suite := &doc.Suites[i]
		c := r.junitCase(s)
		suite.Tests++
		suite.Failures += len(c.Failures)
		if c.Error != nil {
			suite.Errors++
		}
		if c.Skipped != nil {
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, c)
	}
	var total float64
	for i := range doc.Suites {
		s := &doc.Suites[i]
		var t float64
		for _, c := range s.Cases {
			v, _ := strconv.ParseFloat(c.Time, 64)
			t += v
		}
		total += t
		s.Time = seconds(t)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	if r.Run.Seconds == 0 {
		doc.Time = seconds(total)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitSuiteProperties are the property's controls and labels and the
// run's identity.
func (r *Report) junitSuiteProperties(property string) []junitProperty {
	var out []junitProperty
	for _, c := range controlsOf(property) {
		out = append(out, junitProperty{"control", "SOC 2 " + c})
	}
	out = append(out,
		junitProperty{"labels", strings.Join(propertyLabels(property), ",")},
		junitProperty{"tool", r.Tool.Name + " " + r.Tool.Version},
		junitProperty{"profile", r.Run.Profile},
		junitProperty{"schema_sha256", r.Target.SHA256},
		junitProperty{"postgres_version", r.Run.PostgresVersion},
	)
	return out
}

func (r *Report) junitCase(s Scenario) junitCase {
	c := junitCase{Name: s.Name, Classname: "tenantfuzz." + s.Property, Time: seconds(s.Seconds)}
	for _, id := range s.Controls {
		c.Properties = append(c.Properties, junitProperty{"control", "SOC 2 " + id})
	}
	c.Properties = append(c.Properties,
		junitProperty{"checks", strconv.Itoa(s.Checks)},
		junitProperty{"statements", strconv.Itoa(s.Statements)},
		junitProperty{"rows_examined", strconv.Itoa(s.Rows)},
		junitProperty{"reached_foreign", strconv.Itoa(s.Reached)},
		junitProperty{"discarded", strconv.Itoa(s.Discarded)},
		junitProperty{"verdict", s.Verdict},
	)
	for _, f := range r.Findings {
		if !sameSubject(f, s) {
			continue
		}
		var b strings.Builder
		b.WriteString(f.Summary())
		b.WriteString("\n\nstatement: " + f.Statement)
		for _, e := range f.Evidence {
			b.WriteString("\nreturned:  " + e)
		}
		if f.Location != nil {
			fmt.Fprintf(&b, "\nwhere:     %s:%d (%s)", f.Location.File, f.Location.Line, f.Location.Basis)
		}
		fmt.Fprintf(&b, "\nfamily:    %s (%s)", f.Family, harness.LeaksRef(f.Leaks...))
		b.WriteString("\n\nreplay:    " + f.Replay)
		b.WriteString("\nscript:    " + f.ScriptFile + " (" + f.ScriptRun() + ")\n")
		for _, a := range f.Also {
			b.WriteString(a.Line() + "\n")
		}
		c.Failures = append(c.Failures, junitProblem{Message: f.Summary(), Type: string(f.Kind), Body: b.String()})
	}
	switch {
	case s.Error != "":
		c.Error = &junitProblem{Message: s.Error, Type: "error", Body: s.Error + "\n"}
	case s.Verdict == verdictBlind: // proved nothing: never a pass
		c.Error = &junitProblem{Message: "blind: " + s.Reason, Type: "blind", Body: s.Reason + "\n"}
	case s.Verdict == verdictNotApplicable:
		c.Skipped = &junitSkipped{Message: "not applicable: " + s.Reason}
	}
	c.SystemOut = fmt.Sprintf("checks=%d statements=%d rows=%d reached_foreign=%d rejected=%d discarded=%d unattributed=%d seed=%d\n",
		s.Checks, s.Statements, s.Rows, s.Reached, s.Rejected, s.Discarded, s.Unattributed, s.Seed)
	return c
}

// sameSubject reports whether a finding came from scenario s. Findings
// name the relation the leak was seen on, which for named subjects
// (pool-1, strategy set_config) is not the subject; reports written
// before findings named their scenario are matched by seed and kind.
func sameSubject(f Finding, s Scenario) bool {
	if f.Scenario != "" {
		return f.Scenario == s.Name
	}
	for _, sf := range s.Findings {
		if sf.Seed == f.Seed && sf.Kind == f.Kind && sf.Statement == f.Statement {
			return true
		}
	}
	return false
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

func joinInts(xs []int) string {
	var out []string
	for _, x := range xs {
		out = append(out, strconv.Itoa(x))
	}
	return strings.Join(out, ", ")
}
