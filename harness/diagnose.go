package harness

import (
	"context"
	"sync"
)

// diagnosis caches a target's context diagnosis: its catalog and strategy
// do not change while it is open.
type diagnosis struct {
	once sync.Once
	d    *ContextDiagnosis
	err  error
}

// Diagnosis returns the target's context diagnosis (DiagnoseContext),
// computed once.
func (tg *Target) Diagnosis(ctx context.Context) (*ContextDiagnosis, error) {
	if tg.diag == nil { // a target Open did not make: no cache
		return DiagnoseContext(ctx, tg)
	}
	tg.diag.once.Do(func() { tg.diag.d, tg.diag.err = DiagnoseContext(ctx, tg) })
	return tg.diag.d, tg.diag.err
}

// blindDiagnosis explains a blind scenario when the target's configuration
// can: the settings the policies read against those the context strategy
// sets. "" when there is nothing to say.
func (tg *Target) blindDiagnosis(ctx context.Context) string {
	d, err := tg.Diagnosis(ctx)
	if err != nil {
		return "the context diagnosis failed: " + err.Error()
	}
	return d.Explain()
}
