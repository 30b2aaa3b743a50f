package reportcheck

import (
	"encoding/json"
	"strings"
)

// SARIFDoc is the part of a SARIF 2.1.0 log the checks read.
type SARIFDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID                   string                  `json:"id"`
					ShortDescription     *struct{ Text string }  `json:"shortDescription"`
					DefaultConfiguration *struct{ Level string } `json:"defaultConfiguration"`
					Properties           map[string]any          `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []SARIFResult `json:"results"`
	} `json:"runs"`
}

// SARIFResult is one result.
type SARIFResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation *struct {
			ArtifactLocation struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region *struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

// SARIF parses a SARIF log and checks what SARIF 2.1.0 requires and what
// GitHub code scanning rejects a log for: version and $schema, a driver
// name, unique rule ids with a short description and a default level,
// results whose ruleId names a rule and whose ruleIndex points at it, a
// valid level, a message, and at least one physical location with a
// repository-relative or file: URI and a start line of at least 1.
func SARIF(b []byte) (*SARIFDoc, error) {
	var doc SARIFDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	var p problems
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif") {
		p.add("log: version %q, $schema %q", doc.Version, doc.Schema)
	}
	if len(doc.Runs) == 0 {
		p.add("log: no runs")
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	for ri, run := range doc.Runs {
		if run.Tool.Driver.Name == "" {
			p.add("run %d: no tool.driver.name", ri)
		}
		index := map[string]int{}
		for i, r := range run.Tool.Driver.Rules {
			if _, dup := index[r.ID]; dup || r.ID == "" {
				p.add("run %d: rule %q empty or listed twice", ri, r.ID)
			}
			index[r.ID] = i
			if r.ShortDescription == nil || r.ShortDescription.Text == "" || r.DefaultConfiguration == nil || !levels[r.DefaultConfiguration.Level] {
				p.add("rule %s: no shortDescription or default level", r.ID)
			}
		}
		if run.Results == nil {
			p.add("run %d: results is null, not an array", ri)
		}
		for i, r := range run.Results {
			at, ok := index[r.RuleID]
			switch {
			case !ok:
				p.add("result %d: ruleId %q is not a rule", i, r.RuleID)
			case r.RuleIndex != nil && *r.RuleIndex != at:
				p.add("result %d: ruleIndex %d points at %s, not %s", i, *r.RuleIndex, run.Tool.Driver.Rules[*r.RuleIndex].ID, r.RuleID)
			}
			if !levels[r.Level] || r.Message.Text == "" {
				p.add("result %d (%s): level %q, message %q", i, r.RuleID, r.Level, r.Message.Text)
			}
			if len(r.Locations) == 0 {
				p.add("result %d (%s): no location (code scanning rejects the log)", i, r.RuleID)
			}
			for _, l := range r.Locations {
				pl := l.PhysicalLocation
				switch {
				case pl == nil || pl.ArtifactLocation.URI == "":
					p.add("result %d (%s): a location without a physical artifact location (code scanning rejects the log)", i, r.RuleID)
				case strings.Contains(pl.ArtifactLocation.URI, "://") && !strings.HasPrefix(pl.ArtifactLocation.URI, "file://"):
					p.add("result %d (%s): URI %q is not a repository path", i, r.RuleID, pl.ArtifactLocation.URI)
				case pl.Region != nil && pl.Region.StartLine < 1:
					p.add("result %d (%s): startLine %d", i, r.RuleID, pl.Region.StartLine)
				}
			}
		}
	}
	return &doc, p.err()
}
