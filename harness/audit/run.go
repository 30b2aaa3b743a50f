package audit

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// Options configure an audit.
type Options struct {
	// Files are the schema and overlay files in the order they were
	// applied; results are located in them. Nil when the SQL that built the
	// database is not at hand (results then carry no location).
	Files []harness.SQLFile
	// ContextSetting is the setting holding the tenant id (default
	// app.tenant_id).
	ContextSetting string
	// ContextSQL, when set, is the statement the application runs to set
	// the context (with a sample tenant id in place of $1); it is audited
	// like a function body.
	ContextSQL string
	// Strategy names the context strategy that runs ContextSQL, for
	// messages (empty: not known).
	Strategy string
	// Checks restricts the audit to these check IDs or names (default all).
	Checks []string
	// Roles maps role names as the files write them to the names on the
	// server, where they differ (a shared --dsn server suffixes every role
	// a run creates). Results then name roles as the files do.
	Roles map[string]string
	// SkipSchemas are schemas whose own objects are not judged: with
	// --supabase, the shim's auth and extensions (harness.ShimSchemas),
	// which stand for Supabase's and are no part of the schema under test.
	SkipSchemas []string
	// Supabase: the schema runs on Supabase (--supabase): its tables
	// belong to the platform's admin role and requests run as anon or
	// authenticated (see rlsNotForced).
	Supabase bool
}

// Run audits the database q is connected to, as described by cat (read
// for the application role), and returns the results, most severe first.
// q must see the whole catalog (an admin connection).
func Run(ctx context.Context, q catalog.Querier, cat *catalog.Catalog, opts Options) (*Report, error) {
	if opts.ContextSetting == "" {
		opts.ContextSetting = "app.tenant_id"
	}
	for _, c := range opts.Checks {
		if CheckByID(c) == nil {
			return nil, fmt.Errorf("select checks: unknown check %q: use an ID or name from audit.Checks (TFA001, rls-disabled, ...)", c)
		}
	}
	f, err := loadFacts(ctx, q, cat, opts.ContextSetting)
	if err != nil {
		return nil, err
	}
	return run(cat, f, opts), nil
}

// sampleTenant stands for the tenant id when a context statement is
// rendered for the audit.
const sampleTenant = "00000000-0000-4000-8000-000000000000"

// RunTarget audits a harness target: its pool, catalog, schema and
// overlays, and its context strategy (the setting it uses and the
// statement it runs).
func RunTarget(ctx context.Context, tg *harness.Target) (*Report, error) {
	opts := Options{
		Files:          append(append([]harness.SQLFile{}, tg.Config.Schema...), tg.Config.Overlays...),
		ContextSetting: tg.Config.ContextSetting,
		ContextSQL:     strings.ReplaceAll(tg.Config.ContextSQL, "$1", "'"+sampleTenant+"'"),
		Roles:          tg.Roles,
	}
	if tg.Config.Supabase {
		opts.SkipSchemas = harness.ShimSchemas
		opts.Supabase = true
	}
	if s := tg.Strategy; s != nil {
		opts.Strategy = s.Name
		if s.Settings != nil {
			if set := s.Settings(tg); len(set) > 0 {
				opts.ContextSetting = set[0]
			}
		}
		if s.Script != nil {
			opts.ContextSQL = s.Script(tg, sampleTenant)
		}
	}
	return Run(ctx, tg.Pool, tg.Catalog, opts)
}

func run(cat *catalog.Catalog, f *facts, opts Options) *Report {
	e := newEnv(cat, f, opts)
	want := map[string]bool{}
	for _, c := range opts.Checks {
		if k := CheckByID(c); k != nil {
			want[k.ID] = true
		}
	}
	toServer, toFiles := roleRenames(opts.Roles)
	files := make([]harness.SQLFile, len(opts.Files))
	for i, fl := range opts.Files {
		files[i] = harness.SQLFile{Name: fl.Name, SQL: toServer(sqltree.BlankComments(fl.SQL))}
	}
	rep := &Report{AppRole: toFiles(cat.AppRole), TenantColumn: cat.TenantColumn, ContextSetting: opts.ContextSetting,
		ServerVersionNum: cat.ServerVersionNum, Results: []Result{}}
	for _, c := range registry {
		if len(want) > 0 && !want[c.ID] {
			continue
		}
		rep.Checks = append(rep.Checks, c.ID)
		for _, r := range merge(c.run(e)) {
			if inSchemas(r.Object, opts.SkipSchemas) {
				continue
			}
			r.Check, r.Name, r.Title, r.Leaks = c.ID, c.Name, c.Title, c.Leaks
			if r.Severity == "" {
				r.Severity = c.Severity
			}
			locate(&r, files)
			r.where = nil
			if r.Fix == "" {
				r.Fix = r.FixSQL
			}
			r.Object, r.Message, r.Fix, r.FixSQL = toFiles(r.Object), toFiles(r.Message), toFiles(r.Fix), toFiles(r.FixSQL)
			rep.Results = append(rep.Results, r)
		}
	}
	sort.SliceStable(rep.Results, func(i, j int) bool {
		a, b := rep.Results[i], rep.Results[j]
		if rank(a.Severity) != rank(b.Severity) {
			return rank(a.Severity) > rank(b.Severity)
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		return a.Object < b.Object
	})
	rep.count()
	return rep
}

// roleRenames returns functions that rewrite whole-word role names from
// the files' spelling to the server's and back.
func roleRenames(roles map[string]string) (toServer, toFiles func(string) string) {
	var fwd, back []*regexp.Regexp
	var fwdTo, backTo []string
	for from, to := range roles {
		if from == to {
			continue
		}
		fwd = append(fwd, regexp.MustCompile(`\b`+regexp.QuoteMeta(from)+`\b`))
		fwdTo = append(fwdTo, to)
		back = append(back, regexp.MustCompile(`\b`+regexp.QuoteMeta(to)+`\b`))
		backTo = append(backTo, from)
	}
	apply := func(res []*regexp.Regexp, to []string) func(string) string {
		return func(s string) string {
			for i, re := range res {
				s = re.ReplaceAllString(s, to[i])
			}
			return s
		}
	}
	return apply(fwd, fwdTo), apply(back, backTo)
}

// merge keeps one result per object (a policy flagged in both USING and
// WITH CHECK), joining the messages and fixes, keeping the highest
// severity and the first location patterns.
func merge(rs []Result) []Result {
	var out []Result
	at := map[string]int{}
	for _, r := range rs {
		i, ok := at[r.Object]
		if !ok {
			at[r.Object] = len(out)
			out = append(out, r)
			continue
		}
		if !strings.Contains(out[i].Message, r.Message) {
			out[i].Message += "; " + r.Message
		}
		if !strings.Contains(out[i].Fix, r.Fix) {
			out[i].Fix += "; " + r.Fix
		}
		if rank(r.Severity) > rank(out[i].Severity) {
			out[i].Severity = r.Severity
		}
	}
	return out
}
