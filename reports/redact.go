package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Redacted replaces a secret wherever it appears in a report.
const Redacted = "[redacted]"

// minSecret is the shortest secret Redact replaces: shorter strings would
// be found in ordinary text and carry no secret worth the damage.
const minSecret = 4

// Redact removes secrets (a DSN's password, an API key) from every string
// of the report, wherever a message, an error or a command may have picked
// them up. Every format renders from the report, so none can print them.
// It works on the report's JSON form, so it reaches every field there is;
// numbers pass through as their JSON literals (json.Number), never as
// float64, so a 64-bit seed keeps every digit.
func (r *Report) Redact(secrets ...string) error {
	var keep []string
	for _, s := range secrets {
		if len(s) >= minSecret {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	sort.Slice(keep, func(i, j int) bool { return len(keep[i]) > len(keep[j]) }) // a DSN before the password inside it
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redact report: %w", err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // a float64 would round seeds above 2^53
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("redact report: %w", err)
	}
	doc = redactValue(doc, keep)
	if b, err = json.Marshal(doc); err != nil {
		return fmt.Errorf("redact report: %w", err)
	}
	var clean Report
	if err := json.Unmarshal(b, &clean); err != nil {
		return fmt.Errorf("redact report: %w", err)
	}
	*r = clean
	return nil
}

func redactValue(v any, secrets []string) any {
	switch x := v.(type) {
	case string:
		for _, s := range secrets {
			x = strings.ReplaceAll(x, s, Redacted)
		}
		return x
	case []any:
		for i := range x {
			x[i] = redactValue(x[i], secrets)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = redactValue(e, secrets)
		}
	}
	return v
}
