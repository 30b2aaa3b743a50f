package reportcheck

import (
	"bytes"
	"encoding/xml"
	"regexp"
)

// JUnitDoc is JUnit XML as GitLab's test report and the common GitHub
// actions read it: testsuites > testsuite (name, counts, time) >
// testcase (name, classname, time) with failure and error (message,
// type, body), properties and system-out.
type JUnitDoc struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one <testsuite>.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitCase is one <testcase>.
type JUnitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property"`
	Failures   []JUnitProblem  `xml:"failure"`
	Error      *JUnitProblem   `xml:"error"`
	Skipped    *struct{}       `xml:"skipped"`
	SystemOut  string          `xml:"system-out"`
}

// JUnitProperty is one <property>.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitProblem is a <failure> or <error>.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

var junitTime = regexp.MustCompile(`^\d+(\.\d+)?$`)

// JUnit parses junit.xml and checks what CI readers rely on: the XML
// declaration, a <testsuites> root, names, classnames and numeric times,
// and counts that add up.
func JUnit(b []byte) (*JUnitDoc, error) {
	var p problems
	var doc JUnitDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		p.add("junit.xml: no XML declaration")
	}
	var tests, failures, errs int
	for _, s := range doc.Suites {
		if s.Name == "" || !junitTime.MatchString(s.Time) || s.Tests != len(s.Cases) {
			p.add("testsuite %q: tests=%d for %d testcases, time %q", s.Name, s.Tests, len(s.Cases), s.Time)
		}
		f, e := 0, 0
		for _, c := range s.Cases {
			if c.Name == "" || c.Classname == "" || !junitTime.MatchString(c.Time) {
				p.add("testsuite %s: testcase %q lacks a name, classname or time", s.Name, c.Name)
			}
			for _, x := range c.Failures {
				if x.Message == "" {
					p.add("testcase %s: failure without a message", c.Name)
				}
			}
			f += len(c.Failures)
			if c.Error != nil {
				e++
			}
		}
		if f != s.Failures || e != s.Errors {
			p.add("testsuite %s: failures=%d errors=%d, its testcases have %d and %d", s.Name, s.Failures, s.Errors, f, e)
		}
		tests, failures, errs = tests+s.Tests, failures+s.Failures, errs+s.Errors
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs {
		p.add("testsuites: tests/failures/errors = %d/%d/%d, suites add to %d/%d/%d", doc.Tests, doc.Failures, doc.Errors, tests, failures, errs)
	}
	return &doc, p.err()
}
