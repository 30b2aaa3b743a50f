package harness

import "context"

// blindDiagnosis explains a blind scenario when the target's configuration
// can: the settings the policies read against those the context strategy
// sets. "" when there is nothing to say.
func (tg *Target) blindDiagnosis(ctx context.Context) string {
	return ""
}
