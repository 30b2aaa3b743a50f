package vector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/generators"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// chunkSQL reads what a tenant sees of the chunks' vectors.
const chunkSQL = "SELECT tenant_id::text, vector_id FROM document_chunks"

// ErrNoChunks means the schema has no document_chunks(tenant_id, vector_id)
// to tie SQL to vectors.
var ErrNoChunks = errors.New("the schema has no document_chunks(tenant_id, vector_id): vector-sql-agreement needs it")

// hasChunkMapping reports whether the target's chunks name their vectors.
func hasChunkMapping(tg *harness.Target) bool {
	rel := tg.Catalog.Relation("document_chunks")
	return rel != nil && rel.Column("vector_id") != nil && rel.Column("tenant_id") != nil
}

// SQLAgreement is the property: for any generated SQL world whose
// document_chunks rows name vectors (vector_id), with each tenant's
// vectors written through the repository, a chunk a tenant sees in SQL (as
// the application role with its context) has its vector visible to that
// tenant and to no other, and every vector the tenant lists has a chunk it
// sees. A foreign chunk visible in SQL (an RLS leak) shows up as a chunk
// whose vector the tenant cannot see.
//
// Limits: chunks whose vector the repository refuses (an id too long to
// store) are left out; only the chunks' vector ids are compared, not their
// bodies with the vectors' texts.
var SQLAgreement = &Property{
	Name:     "vector-sql-agreement",
	Title:    "SQL chunks and their vectors agree on who sees them",
	Labels:   []string{"vector", "sql", "soc2:CC6.1"},
	NeedsSQL: true,
	check: func(ctx context.Context, env *Env, mode Mode, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T) {
		return func(rt *rapid.T) {
			if st.Expired(opts.Deadline) {
				return
			}
			s, err := startSQL(ctx, env, mode, opts, rt)
			var f *harness.Finding
			if err == nil {
				f, err = s.agree()
			}
			if s != nil {
				st.Count(s.stats)
			}
			if err != nil || f != nil {
				st.Fail(rt, f, err)
			}
		}
	},
}

// sqlSession is a session whose world comes from SQL.
type sqlSession struct {
	*session
	sql      *generators.World
	owners   map[string][]int // vector id -> tenants with a chunk naming it
	accepted []map[string]bool
	seen     [][]string // vector ids each tenant sees in SQL
}

// startSQL draws a SQL world, reads its chunks as the admin role and as
// each tenant, and writes each tenant's chunk vectors through the
// repository.
func startSQL(ctx context.Context, env *Env, mode Mode, opts harness.RunOptions, rt *rapid.T) (*sqlSession, error) {
	tg := env.Target
	if !hasChunkMapping(tg) {
		return nil, ErrNoChunks
	}
	if err := env.Reset(ctx); err != nil {
		return nil, err
	}
	sw := generators.WorldGen(tg.Catalog, opts.World).Draw(rt, "world")
	admin, each, err := tg.QueryEach(ctx, sw, chunkSQL)
	if err != nil {
		return nil, err
	}
	vw := &generators.VectorWorld{Dim: env.Dim, TenantKey: env.TenantKey}
	index := map[string]int{}
	for i, t := range sw.Tenants {
		vw.Tenants = append(vw.Tenants, generators.VectorTenant{Index: i, Key: t.ID, Label: t.Label})
		index[t.ID] = i
	}
	s := &sqlSession{session: newSession(ctx, env, mode, "vector-sql-agreement", vw), sql: sw, owners: map[string][]int{}}
	s.accepted = make([]map[string]bool, len(sw.Tenants))
	for _, row := range admin {
		t, ok := index[text(row[0])]
		id := text(row[1])
		if !ok || id == "" || s.owns(t, id) {
			continue
		}
		s.owners[id] = append(s.owners[id], t)
		values := generators.VectorGen(env.Dim).Draw(rt, "vector of a chunk")
		rec := generators.VectorRecord{Tenant: t, ID: id, Values: values, Metadata: map[string]any{generators.VectorTextKey: generators.Canary(t) + " chunk"}}
		out, err := s.run(generators.VectorOp{Kind: generators.OpUpsert, Caller: t, Records: []generators.VectorRecord{rec}})
		if err != nil {
			return s, err
		}
		if s.accepted[t] == nil {
			s.accepted[t] = map[string]bool{}
		}
		s.accepted[t][id] = !out.rejected && !out.discarded
	}
	for t, rows := range each {
		var ids []string
		for _, row := range rows {
			if id := text(row[1]); id != "" {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		s.seen = append(s.seen, ids)
		s.done = append(s.done, fmt.Sprintf("%s in SQL, as the application role with its context: %s -> vector ids %q", vw.Label(t), chunkSQL, ids))
	}
	return s, nil
}

func text(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

func (s *sqlSession) owns(t int, id string) bool {
	for _, o := range s.owners[id] {
		if o == t {
			return true
		}
	}
	return false
}

// agree checks every tenant's chunks against its vectors.
func (s *sqlSession) agree() (*harness.Finding, error) {
	for t := range s.w.Tenants {
		if f, err := s.agreeFor(t); err != nil || f != nil {
			return f, err
		}
	}
	return nil, nil
}

func (s *sqlSession) agreeFor(t int) (*harness.Finding, error) {
	var own []string
	for _, id := range s.seen[t] {
		if !s.owns(t, id) {
			op := generators.VectorOp{Kind: generators.OpFetch, Caller: t, IDs: []string{id}}
			o := -1
			if len(s.owners[id]) > 0 {
				o = s.owners[id][0]
			}
			f := s.finding(KindSQLVectorMismatch, op, o, []string{fmt.Sprintf("%s sees the chunk with vector_id %q in SQL, which is not its own", s.w.Label(t), id)},
				"a tenant sees in SQL only chunks whose vectors it sees")
			f.Statement = fmt.Sprintf("as %s in SQL (application role, its context): %s", s.w.Label(t), chunkSQL)
			return f, nil
		}
		if s.accepted[t][id] {
			own = append(own, id)
		} else {
			s.stats.Rejected++
		}
	}
	if len(own) == 0 {
		return nil, nil
	}
	s.stats.Reached++
	fetch := generators.VectorOp{Kind: generators.OpFetch, Caller: t, IDs: own}
	out, err := s.run(fetch)
	if err != nil {
		return nil, err
	}
	got := map[string]bool{}
	for _, r := range out.records {
		owners := s.tr.owners(r.Values, r.Meta)
		if o := foreign(owners, t); o >= 0 {
			return s.finding(KindVectorRead, fetch, o, []string{describeRecord(s.w, r, owners)}, "only the caller's own vectors"), nil
		}
		got[r.ID] = true
	}
	for _, id := range own {
		if !got[id] {
			return s.finding(KindSQLVectorMismatch, fetch, -1, []string{fmt.Sprintf("chunk vector_id %q is visible to %s in SQL, its vector is not", id, s.w.Label(t))},
				"the vector of every chunk the tenant sees"), nil
		}
	}
	for u := range s.w.Tenants {
		if u == t {
			continue
		}
		probe := generators.VectorOp{Kind: generators.OpFetch, Caller: u, IDs: own}
		out, err := s.run(probe)
		if err != nil {
			return nil, err
		}
		for _, r := range out.records {
			owners := s.tr.owners(r.Values, r.Meta)
			if foreign(owners, u) == t {
				return s.finding(KindVectorRead, probe, t, []string{describeRecord(s.w, r, owners)}, fmt.Sprintf("no vector of %s's chunks", s.w.Label(t))), nil
			}
		}
	}
	listed, err := s.run(generators.VectorOp{Kind: generators.OpList, Caller: t, Limit: 100})
	if err != nil {
		return nil, err
	}
	inSQL := map[string]bool{}
	for _, id := range s.seen[t] {
		inSQL[id] = true
	}
	var extra []string
	for _, id := range listed.ids {
		if !inSQL[id] {
			extra = append(extra, fmt.Sprintf("vector %q is listed for %s, no chunk it sees in SQL names it", id, s.w.Label(t)))
		}
	}
	if len(extra) > 0 {
		op := generators.VectorOp{Kind: generators.OpList, Caller: t, Limit: 100}
		return s.finding(KindSQLVectorMismatch, op, -1, extra[:min(len(extra), 4)], "every vector the tenant lists has a chunk it sees: "+strings.Join(s.seen[t], ", ")), nil
	}
	return nil, nil
}
