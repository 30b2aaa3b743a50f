package isolation

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/onsi/gomega/types"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

// Statement is SQL to run as a tenant by a matcher: in one transaction
// that is rolled back, after the Given statements run by the owner (the
// rows of the test's world), as the application role with the tenant's
// context.
type Statement struct {
	tg    *Target
	sql   string
	given []string
}

// SQL is a statement for the matchers; given are run first, by the owner.
func (t *Target) SQL(sql string, given ...string) Statement {
	return Statement{tg: t, sql: sql, given: given}
}

// outcome is what the statement did as one tenant.
type outcome struct {
	rows     []map[string]any
	affected int64
	err      *pgconn.PgError
}

// run executes s as tenantID.
func (s Statement) run(tenantID string) (outcome, error) {
	ctx := context.Background()
	tx, err := s.tg.Pool.Begin(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer tx.Rollback(ctx)
	for _, g := range s.given {
		if _, err := tx.Exec(ctx, g); err != nil {
			return outcome{}, fmt.Errorf("given %q: %w", g, err)
		}
	}
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+pgx.Identifier{s.tg.RoleFor(tenantID)}.Sanitize()); err != nil {
		return outcome{}, err
	}
	if _, err := tx.Exec(ctx, s.tg.ContextScript(tenantID)); err != nil {
		return outcome{}, fmt.Errorf("set the context of %s: %w", tenantID, err)
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT tf_stmt"); err != nil {
		return outcome{}, err
	}
	rows, err := tx.Query(ctx, s.sql)
	var o outcome
	if err == nil {
		for rows.Next() {
			vals, verr := rows.Values()
			if verr != nil {
				err = verr
				break
			}
			row := map[string]any{}
			for i, f := range rows.FieldDescriptions() {
				row[f.Name] = vals[i]
			}
			o.rows = append(o.rows, row)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		o.affected = rows.CommandTag().RowsAffected()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		o.err = pe
		return o, nil
	}
	return o, err
}

// refusal reports whether code is an answer a fixed schema may give: a
// privilege or policy error, an integrity error, a policy that raises.
func refusal(code string) bool {
	return code == "42501" || strings.HasPrefix(code, "23") || code == "0A000" || code == "P0001"
}

// ConsistOfRowsOf succeeds when the statement, run as tenantID, returns at
// least one row and every row's tenant column (the target's, which the
// statement must select) holds tenantID. Limits: rows are attributed by
// that column only (tenantfuzz's own properties trace every value).
func ConsistOfRowsOf(tenantID string) types.GomegaMatcher {
	return &rowsMatcher{tenant: tenantID}
}

type rowsMatcher struct {
	tenant string
	why    string
}

func (m *rowsMatcher) Match(actual any) (bool, error) {
	s, ok := actual.(Statement)
	if !ok {
		return false, fmt.Errorf("ConsistOfRowsOf expects an isolation.Statement (target.SQL(...)), got %T", actual)
	}
	o, err := s.run(m.tenant)
	if err != nil {
		return false, err
	}
	if o.err != nil {
		m.why = fmt.Sprintf("it was refused: %s (SQLSTATE %s)", o.err.Message, o.err.Code)
		return false, nil
	}
	col := s.tg.Config.TenantColumn
	if len(o.rows) == 0 {
		m.why = "it returned no rows (the tenant must see its own)"
		return false, nil
	}
	for _, r := range o.rows {
		v, ok := r[col]
		if !ok {
			return false, fmt.Errorf("the statement's rows have no column %q to attribute them by", col)
		}
		if got := fmt.Sprint(uuidText(v)); got != m.tenant {
			m.why = fmt.Sprintf("it returned a row of %s", got)
			return false, nil
		}
	}
	return true, nil
}

func (m *rowsMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %q run as %s to return only rows of %s, but %s", sqlOf(actual), m.tenant, m.tenant, m.why)
}

func (m *rowsMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected %q run as %s not to return only rows of %s", sqlOf(actual), m.tenant, m.tenant)
}

// BeRefusedFor succeeds when the statement, run as tenantID, is refused
// (a privilege or policy error, an integrity error, a policy that raises)
// or returns and changes no row.
func BeRefusedFor(tenantID string) types.GomegaMatcher { return &refusedMatcher{tenant: tenantID} }

type refusedMatcher struct {
	tenant string
	why    string
}

func (m *refusedMatcher) Match(actual any) (bool, error) {
	s, ok := actual.(Statement)
	if !ok {
		return false, fmt.Errorf("BeRefusedFor expects an isolation.Statement (target.SQL(...)), got %T", actual)
	}
	o, err := s.run(m.tenant)
	if err != nil {
		return false, err
	}
	switch {
	case o.err != nil && refusal(o.err.Code):
		return true, nil
	case o.err != nil:
		return false, fmt.Errorf("the statement failed, not refused: %s (SQLSTATE %s)", o.err.Message, o.err.Code)
	case len(o.rows) > 0 || o.affected > 0:
		m.why = fmt.Sprintf("it returned %d rows and affected %d", len(o.rows), o.affected)
		return false, nil
	}
	return true, nil
}

func (m *refusedMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %q to be refused for %s (or to touch no row), but %s", sqlOf(actual), m.tenant, m.why)
}

func (m *refusedMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected %q not to be refused for %s", sqlOf(actual), m.tenant)
}

// VectorResult is what a tenant's vector query returned, with the store
// it ran against, for OnlyReturnNamespace.
type VectorResult struct {
	Store   store.Store
	Matches []store.Match
}

// OnlyReturnNamespace succeeds when every match is a record of namespace
// ns: fetched from ns by its id, it exists with the same metadata.
func OnlyReturnNamespace(ns string) types.GomegaMatcher { return &nsMatcher{ns: ns} }

type nsMatcher struct {
	ns  string
	why string
}

func (m *nsMatcher) Match(actual any) (bool, error) {
	r, ok := actual.(VectorResult)
	if !ok {
		return false, fmt.Errorf("OnlyReturnNamespace expects an isolation.VectorResult, got %T", actual)
	}
	if len(r.Matches) == 0 {
		return true, nil
	}
	ids := make([]string, len(r.Matches))
	for i, mt := range r.Matches {
		ids[i] = mt.ID
	}
	got, err := r.Store.Fetch(context.Background(), m.ns, ids)
	if err != nil {
		return false, err
	}
	for _, mt := range r.Matches {
		rec, ok := got[mt.ID]
		if !ok || (mt.Metadata != nil && !reflect.DeepEqual(rec.Metadata, mt.Metadata)) {
			m.why = fmt.Sprintf("match %s is no record of namespace %s", mt.ID, m.ns)
			return false, nil
		}
	}
	return true, nil
}

func (m *nsMatcher) FailureMessage(actual any) string {
	return "expected only records of namespace " + m.ns + ", but " + m.why
}

func (m *nsMatcher) NegatedFailureMessage(actual any) string {
	return "expected a record outside namespace " + m.ns
}

func sqlOf(actual any) string {
	if s, ok := actual.(Statement); ok {
		return s.sql
	}
	return fmt.Sprint(actual)
}

// uuidText renders a uuid value pgx decoded ([16]byte) as text.
func uuidText(v any) any {
	if b, ok := v.([16]byte); ok {
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	return v
}
