package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// settle polls done until it holds, for at most the Settle bound; with no
// bound it returns at once (a consistent store). Polling is how the adapter
// copes with Pinecone's eventual consistency: a write is not reported done
// before fetch sees it.
func (p *Pinecone) settle(ctx context.Context, what string, done func() (bool, error)) error {
	if p.opts.Settle <= 0 {
		return nil
	}
	deadline := time.Now().Add(p.opts.Settle)
	for {
		ok, err := done()
		if err != nil {
			return fmt.Errorf("wait for %s to settle: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w (%s): raise the settle bound or check the index", what, ErrNotSettled, p.opts.Settle)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s to settle: %w", what, ctx.Err())
		case <-time.After(p.opts.PollEvery):
		}
	}
}

// visible reports whether fetch returns every record with its values.
func (p *Pinecone) visible(ctx context.Context, ns string, recs []Record) (bool, error) {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	got, err := p.Fetch(ctx, ns, ids)
	if err != nil {
		return false, err
	}
	last := map[string][]float32{} // a batch may repeat an id: the last wins
	for _, r := range recs {
		last[r.ID] = r.Values
	}
	for id, v := range last {
		g, ok := got[id]
		if !ok || !slices.Equal(g.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

// updated reports whether fetch shows an update's values and metadata.
func (p *Pinecone) updated(ctx context.Context, ns, id string, values []float32, set Metadata) (bool, error) {
	got, err := p.Fetch(ctx, ns, []string{id})
	if err != nil {
		return false, err
	}
	g, ok := got[id]
	if !ok {
		return false, nil
	}
	if len(values) > 0 && !slices.Equal(g.Values, values) {
		return false, nil
	}
	for k, v := range set {
		if fmt.Sprint(g.Metadata[k]) != fmt.Sprint(v) {
			return false, nil
		}
	}
	return true, nil
}
