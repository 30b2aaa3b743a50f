package vector

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/app"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
	"pgregory.net/rapid"
)

// session is one check: a fresh index, a generated world loaded into it,
// the repository under test, the ground truth, and what ran so far.
type session struct {
	ctx      context.Context
	env      *Env
	mode     Mode
	property string
	repo     *app.Repository
	w        *generators.VectorWorld
	tr       *truth
	stats    harness.Stats
	done     []string // operations run, in order, for the reproduction
}

// worldOptions maps the run's world sizes onto vector worlds.
func worldOptions(env *Env, opts harness.RunOptions) generators.VectorOptions {
	return generators.VectorOptions{Dim: env.Dim, MinTenants: opts.World.MinTenants, MaxTenants: min(opts.World.MaxTenants, 5),
		MaxRecords: opts.World.MaxRows, TenantKey: env.TenantKey}
}

// start empties the index, draws a world and loads it: legacy records
// written untagged by the administrator into the default namespace, then
// each tenant's records written through the repository, one at a time.
func start(ctx context.Context, env *Env, mode Mode, property string, opts harness.RunOptions, rt *rapid.T) (*session, error) {
	if err := env.Reset(ctx); err != nil {
		return nil, err
	}
	w := generators.VectorWorldGen(worldOptions(env, opts)).Draw(rt, "vector world")
	s := newSession(ctx, env, mode, property, w)
	if len(w.Legacy) > 0 {
		recs := make([]store.Record, len(w.Legacy))
		for i, l := range w.Legacy {
			s.tr.register(l.Values, l.Tenant)
			recs[i] = store.Record{ID: l.ID, Values: l.Values, Metadata: l.Metadata}
			s.done = append(s.done, fmt.Sprintf("administrator upserts legacy %q of %s into the default namespace, untagged: values %v metadata %s", l.ID, w.Label(l.Tenant), l.Values, jsonOf(l.Metadata)))
		}
		if _, err := env.Store.Upsert(ctx, "", recs); err != nil {
			return nil, fmt.Errorf("load legacy records: %w", err)
		}
	}
	for _, r := range w.Records {
		op := generators.VectorOp{Kind: generators.OpUpsert, Caller: r.Tenant, Records: []generators.VectorRecord{r}}
		if _, err := s.run(op); err != nil {
			return nil, fmt.Errorf("load the world: %w", err)
		}
	}
	return s, nil
}

func newSession(ctx context.Context, env *Env, mode Mode, property string, w *generators.VectorWorld) *session {
	s := &session{ctx: ctx, env: env, mode: mode, property: property, repo: env.Repository(mode), w: w, tr: newTruth(w, mode)}
	s.stats.Checks = 1
	return s
}

// returned is a record (or only an id, or a count) a call gave back.
type returned struct {
	ID     string
	Values []float32
	Meta   store.Metadata
}

// outcome is what one operation gave back.
type outcome struct {
	records   []returned
	ids       []string // list
	count     int
	counted   bool
	rejected  bool // refused by the repository: the system doing its job
	discarded bool // refused by the store as invalid: the generator's fault
}

// run executes one operation through the repository and keeps the ground
// truth in step with the writes that succeeded.
func (s *session) run(op generators.VectorOp) (outcome, error) {
	var out outcome
	key := s.w.Key(op.Caller)
	r := s.repo
	var err error
	switch op.Kind {
	case generators.OpQuery, generators.OpQueryID:
		q := app.Search{Vector: op.Vector, TopK: op.TopK, Filter: op.Filter, IncludeValues: op.IncludeValues, IncludeMetadata: op.IncludeMetadata}
		if op.Kind == generators.OpQueryID {
			q.ID = op.IDs[0]
		}
		var hits []app.Hit
		if hits, err = r.Query(s.ctx, key, q); err == nil {
			for _, h := range hits {
				out.records = append(out.records, returned{ID: h.ID, Values: h.Values, Meta: h.Metadata})
			}
		}
	case generators.OpFetch:
		var docs []app.Doc
		if docs, err = r.Fetch(s.ctx, key, op.IDs); err == nil {
			for _, d := range docs {
				out.records = append(out.records, returned{ID: d.ID, Values: d.Values, Meta: d.Metadata})
			}
		}
	case generators.OpList:
		token := ""
		for pages := 0; pages < 5 && err == nil; pages++ {
			var ids []string
			ids, token, err = r.List(s.ctx, key, op.Prefix, op.Limit, token)
			out.ids = append(out.ids, ids...)
			if token == "" {
				break
			}
		}
	case generators.OpCount:
		out.count, err = r.Count(s.ctx, key)
		out.counted = err == nil
	case generators.OpUpsert:
		docs := make([]app.Doc, len(op.Records))
		for i, rec := range op.Records {
			s.tr.register(rec.Values, op.Caller)
			docs[i] = app.Doc{ID: rec.ID, Values: rec.Values, Metadata: rec.Metadata}
		}
		if err = r.Upsert(s.ctx, key, docs); err == nil {
			s.tr.upserted(op.Caller, op.Records)
		}
	case generators.OpUpdate:
		if len(op.Values) > 0 {
			s.tr.register(op.Values, op.Caller)
		}
		if err = r.Update(s.ctx, key, op.IDs[0], op.Values, op.Metadata); err == nil {
			s.tr.updated(op.Caller, op.IDs[0], op.Values, op.Metadata)
		}
	case generators.OpDelete:
		if err = r.Delete(s.ctx, key, op.IDs); err == nil {
			s.tr.deleted(op.Caller, op.IDs, nil, false)
		}
	case generators.OpDeleteWhere:
		if err = r.DeleteWhere(s.ctx, key, op.Filter); err == nil {
			s.tr.deleted(op.Caller, nil, op.Filter, false)
		}
	case generators.OpDeleteAll:
		if err = r.DeleteAll(s.ctx, key); err == nil {
			s.tr.deleted(op.Caller, nil, nil, true)
		}
	default:
		return out, fmt.Errorf("unknown vector operation %q (a generator bug)", op.Kind)
	}
	s.done = append(s.done, describeOp(s.w, op))
	switch {
	case err == nil:
		s.stats.Statements++
		s.stats.Rows += len(out.records) + len(out.ids)
		if s.stats.ByKind == nil {
			s.stats.ByKind = map[string]int{}
		}
		s.stats.ByKind[string(op.Kind)]++
	case app.IsRejection(err):
		s.stats.Rejected++
		out.rejected = true
		s.done[len(s.done)-1] += " -> refused: " + err.Error()
	case store.IsInvalid(err):
		s.stats.Discarded++
		if len(s.stats.DiscardExamples) < 5 {
			s.stats.DiscardExamples = append(s.stats.DiscardExamples, describeOp(s.w, op)+": "+err.Error())
		}
		out.discarded = true
		s.done[len(s.done)-1] += " -> invalid: " + err.Error()
	default:
		return out, fmt.Errorf("%s: %w", describeOp(s.w, op), err)
	}
	return out, nil
}
