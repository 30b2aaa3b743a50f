package harness

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// ContextDiagnosis says which settings the policies read (through the
// functions they call, transitively) and which the context strategy sets,
// as PostgreSQL's parser reads the policy expressions, the function bodies
// and the strategy's statement.
//
// It explains a blind run: when no setting the policies read is set by the
// strategy, every tenant statement runs without a context (policies that
// read with missing_ok see no rows, the others raise) and a property
// cannot tell isolation from emptiness. Limits: a setting named by a
// variable, or a function whose body cannot be read (C, other languages),
// makes the comparison undecided (Mismatch is false); a policy that reads
// the context through a table or view (a lookup by current_user) reads no
// setting and is not compared.
type ContextDiagnosis struct {
	// Strategy is the context strategy's name (set_config, sql, ...).
	Strategy string `json:"strategy"`
	// Statement is the statement the strategy runs, <id> standing for the
	// tenant id.
	Statement string `json:"statement"`
	// ContextSQL is --context-sql as given, for the sql strategy.
	ContextSQL string `json:"context_sql,omitempty"`
	// Reads are the policies' reads of custom settings.
	Reads []SettingUse `json:"reads"`
	// Sets are the strategy's sets of custom settings.
	Sets []SettingUse `json:"sets"`
	// Undecided says why the comparison cannot be made ("" when it can).
	Undecided string `json:"undecided,omitempty"`
	// Unparsed lists the objects whose SQL the parser refused.
	Unparsed []string `json:"unparsed,omitempty"`
}

// ContextInput is what AnalyzeContext reads.
type ContextInput struct {
	Catalog *catalog.Catalog
	// Definitions maps a function's OID to pg_get_functiondef: PL/pgSQL
	// and SQL-standard bodies are read from it (a PL/pgSQL function
	// without one is rebuilt from the catalog).
	Definitions map[uint32]string
	// Applies selects the policies that apply to the application role;
	// nil counts every policy.
	Applies func(catalog.Policy) bool
	// Strategy names the context strategy; Statement is what it runs, a
	// sample tenant id in place of $1; ContextSQL is --context-sql as given.
	Strategy, Statement, ContextSQL string
	// SampleID is the tenant id in Statement, shown as <id>.
	SampleID string
}

// AnalyzeContext compares the settings the policies read with those the
// context statement sets. It reads no database: the catalog and the
// definitions hold everything.
func AnalyzeContext(in ContextInput) *ContextDiagnosis {
	r := newContextReader(contextSources{cat: in.Catalog, definitions: in.Definitions, applies: in.Applies, statement: in.Statement})
	d := &ContextDiagnosis{Strategy: in.Strategy, Statement: in.Statement, ContextSQL: in.ContextSQL}
	if in.SampleID != "" {
		d.Statement = strings.ReplaceAll(in.Statement, in.SampleID, "<id>")
	}
	reads, dynReads, opaqueReads := r.policyReads()
	sets, dynSets, opaqueSets := r.statementSets()
	d.Reads, d.Sets = dedupe(reads), dedupe(sets)
	switch {
	case dynReads:
		d.Undecided = "a policy reads a setting whose name is not a constant"
	case opaqueReads:
		d.Undecided = "a policy calls a function whose body cannot be read"
	case dynSets:
		d.Undecided = "the context statement sets a setting whose name is not a constant"
	case opaqueSets:
		d.Undecided = "the context statement cannot be read to its end (a function whose body cannot be read, or no statement)"
	}
	d.Unparsed = r.unparsed
	return d
}

// dedupe drops repeated uses (a policy's USING and WITH CHECK read the
// same setting), keeping the first.
func dedupe(us []SettingUse) []SettingUse {
	seen := map[string]bool{}
	out := []SettingUse{}
	for _, u := range us {
		k := fmt.Sprint(u.Setting, "|", u.String(), "|", u.MissingOK, "|", u.Local)
		if !seen[k] {
			seen[k] = true
			out = append(out, u)
		}
	}
	return out
}

// ReadSettings lists the settings the policies read, sorted.
func (d *ContextDiagnosis) ReadSettings() []string { return names(d.Reads) }

// SetSettings lists the settings the strategy sets, sorted.
func (d *ContextDiagnosis) SetSettings() []string { return names(d.Sets) }

func names(us []SettingUse) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range us {
		if !seen[u.Setting] {
			seen[u.Setting] = true
			out = append(out, u.Setting)
		}
	}
	sort.Strings(out)
	return out
}

// Mismatch reports whether policies read settings and the strategy sets
// none of them (and the comparison is decided).
func (d *ContextDiagnosis) Mismatch() bool {
	if d.Undecided != "" || len(d.Reads) == 0 {
		return false
	}
	set := map[string]bool{}
	for _, s := range d.Sets {
		set[s.Setting] = true
	}
	for _, r := range d.Reads {
		if set[r.Setting] {
			return false
		}
	}
	return true
}

// Explain is the one-line explanation of a mismatch, naming the settings
// read and set, or "" when they agree (or cannot be compared).
func (d *ContextDiagnosis) Explain() string {
	if !d.Mismatch() {
		return ""
	}
	var b strings.Builder
	for i, s := range d.ReadSettings() {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "policies read %s (%s)", s, places(d.Reads, s))
	}
	sets := "sets no custom setting"
	if s := d.SetSettings(); len(s) > 0 {
		sets = "sets " + strings.Join(s, ", ") + ", which no policy reads"
	}
	fmt.Fprintf(&b, "; the context strategy %s (%s) %s: every tenant statement runs without a tenant context. %s",
		d.Strategy, d.how(), sets, d.Fix())
	return b.String()
}

// how names what the strategy runs: the --context-sql as given, or the
// statement.
func (d *ContextDiagnosis) how() string {
	if d.Strategy == "sql" && d.ContextSQL != "" {
		return "--context-sql " + ShellQuote(d.ContextSQL)
	}
	return d.Statement
}

// Fix says what to pass so that the context reaches the policies.
func (d *ContextDiagnosis) Fix() string {
	read := d.ReadSettings()
	if len(read) == 0 {
		return ""
	}
	return FixFor(read[0])
}

// FixFor says what to pass so that a setting the policies read is set.
func FixFor(setting string) string {
	if strings.HasPrefix(setting, "request.jwt.") {
		return "Pass --context supabase (or jwt) so that the request's claims carry the tenant, or --context-sql with the application's own setter"
	}
	example := fmt.Sprintf("select set_config('%s', $1, true)", setting)
	return "Pass --context-sql with the application's own setter, e.g. --context-sql " + ShellQuote(example)
}

// places is "policy a on t, policy b on u and 3 more" for one setting.
func places(us []SettingUse, setting string) string {
	var out []string
	for _, u := range us {
		if u.Setting == setting {
			out = append(out, u.String())
		}
	}
	if len(out) > 2 {
		return fmt.Sprintf("%s, %s and %d more", out[0], out[1], len(out)-2)
	}
	return strings.Join(out, ", ")
}

// Raising lists the reads without missing_ok: where the setting is unset
// they raise (unrecognized configuration parameter) instead of reading
// NULL. That fails closed, but it changes what a context-less request
// looks like: an error on a fresh session, the previous tenant's rows on
// a session a session-level setter left behind.
func (d *ContextDiagnosis) Raising() []SettingUse {
	var out []SettingUse
	for _, r := range d.Reads {
		if !r.MissingOK {
			out = append(out, r)
		}
	}
	return out
}

// RaisingNote is the one-line note on Raising, or "" when every read
// passes missing_ok.
func (d *ContextDiagnosis) RaisingNote() string {
	rs := d.Raising()
	if len(rs) == 0 {
		return ""
	}
	var parts []string
	for _, s := range names(rs) {
		parts = append(parts, fmt.Sprintf("%s (%s)", s, places(rs, s)))
	}
	return "policies read " + strings.Join(parts, "; ") + " without missing_ok: a request without a tenant context raises instead of seeing no rows (fails closed)"
}

// sampleContextID stands for the tenant id when a strategy's statement is
// rendered to be read.
const sampleContextID = "00000000-0000-4000-8000-000000000000"

// DiagnoseContext reads the target's policies and functions (as the
// admin pool sees them) and its context strategy's statement, and
// compares the settings read with those set. Call it when a scenario is
// blind: Explain names both sides when they disagree.
func DiagnoseContext(ctx context.Context, tg *Target) (*ContextDiagnosis, error) {
	defs, err := FunctionDefinitions(ctx, tg.Pool, tg.Catalog)
	if err != nil {
		return nil, err
	}
	in := ContextInput{Catalog: tg.Catalog, Definitions: defs, Applies: appliesToApp(tg.Catalog),
		Strategy: tg.Config.Context, SampleID: sampleContextID}
	if tg.Strategy != nil && tg.Strategy.Script != nil {
		in.Strategy = tg.Strategy.Name
		in.Statement = tg.Strategy.Script(tg, sampleContextID)
	}
	if in.Strategy == "sql" {
		in.ContextSQL = tg.Config.ContextSQL
	}
	return AnalyzeContext(in), nil
}

// appliesToApp selects the policies for PUBLIC, the application role or a
// role it is a member of.
func appliesToApp(cat *catalog.Catalog) func(catalog.Policy) bool {
	member := map[string]bool{"public": true, cat.AppRole: true}
	for _, r := range cat.ReachableRoles {
		member[r.Name] = true
	}
	return func(p catalog.Policy) bool {
		for _, r := range p.Roles {
			if member[r] {
				return true
			}
		}
		return false
	}
}

// FunctionDefinitions reads pg_get_functiondef of the PL/pgSQL functions
// and of the SQL functions with a SQL-standard body (empty prosrc): the
// bodies the context analysis reads from the full definition.
func FunctionDefinitions(ctx context.Context, q catalog.Querier, cat *catalog.Catalog) (map[uint32]string, error) {
	defs := map[uint32]string{}
	var oids []int64
	for _, fn := range cat.Functions {
		if (fn.Kind == "f" || fn.Kind == "p") && (fn.Language == "plpgsql" || strings.TrimSpace(fn.Source) == "") {
			oids = append(oids, int64(fn.OID))
		}
	}
	if len(oids) == 0 {
		return defs, nil
	}
	rows, err := q.Query(ctx, `SELECT p.oid::int8, pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.oid::int8 = ANY($1)`, oids)
	if err != nil {
		return nil, fmt.Errorf("read function definitions: %w (the context diagnosis needs an admin connection that reads pg_proc)", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid int64
		var def string
		if err := rows.Scan(&oid, &def); err != nil {
			return nil, fmt.Errorf("read function definitions: %w", err)
		}
		defs[uint32(oid)] = def
	}
	return defs, rows.Err()
}

// readContextSetting sets Config.ContextSetting, when it was not given, to
// the setting the sql strategy's statement sets through the functions it
// calls (select set_tenant_context($1::uuid) sets app.current_tenant), so
// that the strategy's Settings name what the application really sets.
func (t *Target) readContextSetting(ctx context.Context) error {
	if !t.Config.settingGuessed || t.Config.Context != "sql" {
		return nil
	}
	defs, err := FunctionDefinitions(ctx, t.Pool, t.Catalog)
	if err != nil {
		return err
	}
	r := newContextReader(contextSources{cat: t.Catalog, definitions: defs,
		statement: strings.ReplaceAll(t.Config.ContextSQL, "$1", catalog.QuoteLiteral(sampleContextID))})
	if sets, _, _ := r.statementSets(); len(sets) > 0 {
		t.Config.ContextSetting = sets[0].Setting
	}
	return nil
}
