// Package reportcheck checks report files the way their consumers read
// them: report.json against its JSON Schema, junit.xml in the shape
// GitLab and the common GitHub actions parse, report.sarif against what
// SARIF 2.1.0 and GitHub code scanning require, and report.html for
// self-containment. Each checker returns an error listing every problem
// (one per line), so plain tests, CLI tests and tools share them.
package reportcheck

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// problems collects "subject: problem" lines.
type problems []string

func (p *problems) add(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "\n"))
}

// JSON validates a report.json document against schema (report.schema.json,
// draft 2020-12, formats asserted).
func JSON(schema, doc []byte) error {
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", s); err != nil {
		return fmt.Errorf("load schema: %w", err)
	}
	sch, err := c.Compile("report.schema.json")
	if err != nil {
		return fmt.Errorf("compile schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("report does not validate against report.schema.json: %w", err)
	}
	return nil
}
