package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// SARIF 2.1.0 (OASIS), the format code-scanning tools read. The writer is
// generic: static audit results and dynamic findings both become rules
// (what can be found) and results (what was found, optionally at a file
// and line of the schema or overlay files).

// SARIFSchema is the JSON schema URI written into every log.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// SARIFLog is one tool run.
type SARIFLog struct {
	ToolName       string // e.g. "tenantfuzz"
	ToolVersion    string
	InformationURI string
	Rules          []SARIFRule
	Results        []SARIFResult
	// FallbackFile, when set, locates results that have no file of their
	// own at its line 1: GitHub code scanning rejects the whole log when
	// any result lacks a physical location.
	FallbackFile string
}

// SARIFRule describes one kind of result.
type SARIFRule struct {
	ID       string           // stable id, e.g. "TFA001" or "cross-tenant-read"
	Name     string           // short name, e.g. "rls-disabled"
	Title    string           // one line (shortDescription)
	Help     string           // rationale and fix (fullDescription and help)
	HelpURI  string           // optional
	Severity harness.Severity // default level of its results
	Tags     []string         // extra tags; "security" is always added
}

// SARIFResult is one thing found.
type SARIFResult struct {
	RuleID   string
	Severity harness.Severity // "" means the rule's
	Message  string
	// File and Line locate it in a schema or overlay file; File "" for none.
	// A relative path is written relative to %SRCROOT%.
	File string
	Line int
	// Object names the database object (logical location), e.g. "table documents".
	Object string
	// Fingerprint identifies the result across runs (partialFingerprints).
	Fingerprint string
	Properties  map[string]any
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s harness.Severity) string {
	switch s {
	case harness.SeverityCritical, harness.SeverityHigh:
		return "error"
	case harness.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score code-scanning tools sort by.
func securitySeverity(s harness.Severity) string {
	switch s {
	case harness.SeverityCritical:
		return "9.5"
	case harness.SeverityHigh:
		return "8.0"
	case harness.SeverityMedium:
		return "5.5"
	}
	return "3.0"
}

type (
	sarifDoc struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name,omitempty"`
		ShortDescription     sarifText      `json:"shortDescription"`
		FullDescription      *sarifText     `json:"fullDescription,omitempty"`
		Help                 *sarifText     `json:"help,omitempty"`
		HelpURI              string         `json:"helpUri,omitempty"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind,omitempty"`
	}
)

// WriteSARIF writes the log as a SARIF 2.1.0 document with one run. Every
// result's rule must be among the rules.
func WriteSARIF(w io.Writer, log SARIFLog) error {
	index := map[string]int{}
	driver := sarifDriver{Name: log.ToolName, Version: log.ToolVersion, InformationURI: log.InformationURI, Rules: []sarifRule{}}
	levels := map[string]harness.Severity{}
	for i, r := range log.Rules {
		if _, dup := index[r.ID]; dup {
			return fmt.Errorf("write sarif: rule %s listed twice: give each rule one entry", r.ID)
		}
		index[r.ID] = i
		levels[r.ID] = r.Severity
		sr := sarifRule{ID: r.ID, Name: r.Name, ShortDescription: sarifText{r.Title}, HelpURI: r.HelpURI,
			DefaultConfiguration: sarifConfig{sarifLevel(r.Severity)},
			Properties: map[string]any{
				"tags":              append([]string{"security"}, r.Tags...),
				"security-severity": securitySeverity(r.Severity),
				"problem.severity":  sarifProblem(r.Severity),
			}}
		if r.Help != "" {
			sr.FullDescription, sr.Help = &sarifText{r.Help}, &sarifText{r.Help}
		}
		driver.Rules = append(driver.Rules, sr)
	}
	run := sarifRun{Tool: sarifTool{driver}, Results: []sarifResult{}}
	for _, r := range log.Results {
		i, ok := index[r.RuleID]
		if !ok {
			return fmt.Errorf("write sarif: result for unknown rule %s: add the rule to the log", r.RuleID)
		}
		sev := r.Severity
		if sev == "" {
			sev = levels[r.RuleID]
		}
		sr := sarifResult{RuleID: r.RuleID, RuleIndex: i, Level: sarifLevel(sev), Message: sarifText{r.Message}, Properties: r.Properties}
		if sev != levels[r.RuleID] {
			if sr.Properties == nil {
				sr.Properties = map[string]any{}
			}
			sr.Properties["severity"] = string(sev)
		}
		if r.File == "" && log.FallbackFile != "" {
			r.File, r.Line = log.FallbackFile, 1
		}
		if loc := sarifLocationOf(r); loc != nil {
			sr.Locations = []sarifLocation{*loc}
		}
		if r.Fingerprint != "" {
			sr.PartialFingerprints = map[string]string{"tenantfuzz/v1": r.Fingerprint}
		}
		run.Results = append(run.Results, sr)
	}
	b, err := json.MarshalIndent(sarifDoc{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode sarif: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// sarifProblem is the problem.severity property (error, warning, recommendation).
func sarifProblem(s harness.Severity) string {
	if l := sarifLevel(s); l != "note" {
		return l
	}
	return "recommendation"
}

func sarifLocationOf(r SARIFResult) *sarifLocation {
	if r.File == "" && r.Object == "" {
		return nil
	}
	loc := &sarifLocation{}
	if r.File != "" {
		art := sarifArtifact{URI: filepath.ToSlash(r.File)}
		if filepath.IsAbs(r.File) {
			art.URI = "file://" + art.URI
		} else {
			art.URI = strings.TrimPrefix(art.URI, "./")
			art.URIBaseID = "%SRCROOT%"
		}
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: art}
		if r.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: r.Line}
		}
	}
	if r.Object != "" {
		kind, _, _ := strings.Cut(r.Object, " ")
		loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: r.Object, Kind: kind}}
	}
	return loc
}
