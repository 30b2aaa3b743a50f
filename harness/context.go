package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

// Execer runs SQL: a transaction or a connection.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Strategy is how an application puts a tenant's context on its
// connection, written as hooks (in the style of pgxpool.Config) so that
// every property runs unchanged over each. The harness calls Set as the
// application role inside the request's transaction.
type Strategy struct {
	Name string
	// Doc says how the strategy works and how it fails.
	Doc string
	// Set puts tenantID into effect for the current transaction.
	Set func(ctx context.Context, q Execer, tg *Target, tenantID string) error
	// Script renders Set as a psql line.
	Script func(tg *Target, tenantID string) string
	// Settings are the settings that hold the context: empty at the start
	// of every borrow, set to '' for the empty-context state.
	Settings func(tg *Target) []string
	// Role, when set, names the role a tenant's statements run as (role
	// per tenant); otherwise they run as the application role.
	Role func(tg *Target, tenantID string) string
	// Safe is false for strategies kept only to prove the harness catches
	// them (formatting ids into SQL).
	Safe bool
}

func contextSetting(tg *Target) []string { return []string{tg.Config.ContextSetting} }

// strategies is the registry, by name.
var strategies = map[string]*Strategy{
	"set_config": {
		Name: "set_config",
		Doc: "select set_config('app.tenant_id', $1, true): transaction-local, the id is a bind parameter. " +
			"Fails open if policies treat the '' it leaves behind as 'all tenants'; leaks across a pool if the third argument is false.",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			_, err := q.Exec(ctx, "select set_config($1, $2, true)", tg.Config.ContextSetting, id)
			return err
		},
		Script: func(tg *Target, id string) string {
			return fmt.Sprintf("select set_config(%s, %s, true)", catalog.QuoteLiteral(tg.Config.ContextSetting), catalog.QuoteLiteral(id))
		},
		Settings: contextSetting, Safe: true,
	},
	"sql": {
		Name: "sql",
		Doc:  "the --context-sql statement with the id as $1 (e.g. select set_tenant($1::uuid)): as safe as the function it calls; a set_config(..., false) inside it leaks across a pool.",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			_, err := q.Exec(ctx, tg.Config.ContextSQL, id)
			return err
		},
		Script: func(tg *Target, id string) string {
			return strings.ReplaceAll(tg.Config.ContextSQL, "$1", catalog.QuoteLiteral(id))
		},
		Settings: contextSetting, Safe: true,
	},
	"set-local": {
		Name: "set-local",
		Doc:  "SET LOCAL app.tenant_id = '<id>': SET takes no bind parameters, so the id is quoted into the SQL; safe only with correct quoting, and only LOCAL is transaction-scoped.",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			_, err := q.Exec(ctx, "SET LOCAL "+catalog.QuoteIdent(tg.Config.ContextSetting)+" = "+catalog.QuoteLiteral(id))
			return err
		},
		Script: func(tg *Target, id string) string {
			return "SET LOCAL " + catalog.QuoteIdent(tg.Config.ContextSetting) + " = " + catalog.QuoteLiteral(id)
		},
		Settings: contextSetting, Safe: true,
	},
	"jwt": {
		Name: "jwt",
		Doc: "Supabase style: the request's JWT claims in request.jwt.claims (transaction-local), policies read the tenant from them. " +
			"Fails open when policies read a claim that is missing; a client that can run SQL can set its own claims.",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			_, err := q.Exec(ctx, "select set_config('request.jwt.claims', json_build_object('tenant_id', $1::text, 'role', 'authenticated')::text, true)", id)
			return err
		},
		Script: func(tg *Target, id string) string {
			return "select set_config('request.jwt.claims', json_build_object('tenant_id', " + catalog.QuoteLiteral(id) + "::text, 'role', 'authenticated')::text, true)"
		},
		Settings: func(*Target) []string { return []string{"request.jwt.claims"} },
		Safe:     true,
	},
	"supabase": {
		Name: "supabase",
		Doc: "Supabase/PostgREST: the request's JWT claims in request.jwt.claims (sub, role authenticated, app_metadata.tenant_id), read by auth.jwt() and auth.uid() (use with --supabase); under membership tenancy sub is the user's id and app_metadata carries no tenant. " +
			"Fails open when a policy only checks auth.role() = 'authenticated', or reads a claim the client controls (user_metadata).",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			if tg.membership() {
				_, err := q.Exec(ctx, "select set_config('request.jwt.claims', json_build_object('sub', $1::text, 'role', 'authenticated')::text, true)", id)
				return err
			}
			_, err := q.Exec(ctx, "select set_config('request.jwt.claims', json_build_object('sub', $1::text, 'role', 'authenticated', 'app_metadata', json_build_object('tenant_id', $1::text))::text, true)", id)
			return err
		},
		Script: func(tg *Target, id string) string {
			if tg.membership() {
				return "select set_config('request.jwt.claims', json_build_object('sub', " + catalog.QuoteLiteral(id) + ", 'role', 'authenticated')::text, true)"
			}
			return "select set_config('request.jwt.claims', json_build_object('sub', " + catalog.QuoteLiteral(id) + ", 'role', 'authenticated', 'app_metadata', json_build_object('tenant_id', " + catalog.QuoteLiteral(id) + "))::text, true)"
		},
		Settings: func(*Target) []string { return []string{"request.jwt.claims"} },
		Safe:     true,
	},
	"role": {
		Name: "role",
		Doc: "one database role per tenant: SET LOCAL ROLE tenant_<id> (a member of the application role), plus the context setting for the policies. " +
			"Fails when the role switch is session-level (SET ROLE) and outlives the request, or when tenant roles are granted to each other.",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			if _, err := q.Exec(ctx, "RESET ROLE; "+createTenantRole(tg, id)); err != nil {
				return fmt.Errorf("create tenant role: %w", err)
			}
			_, err := q.Exec(ctx, "SET LOCAL ROLE "+catalog.QuoteIdent(tenantRole(id))+"; select set_config("+catalog.QuoteLiteral(tg.Config.ContextSetting)+", "+catalog.QuoteLiteral(id)+", true)")
			return err
		},
		Script: func(tg *Target, id string) string {
			return "SET LOCAL ROLE " + catalog.QuoteIdent(tenantRole(id)) + "; select set_config(" + catalog.QuoteLiteral(tg.Config.ContextSetting) + ", " + catalog.QuoteLiteral(id) + ", true)"
		},
		Settings: contextSetting, Safe: true,
		Role: func(_ *Target, id string) string { return tenantRole(id) },
	},
	"format-unsafe": {
		Name: "format-unsafe",
		Doc:  "the founding guide's router: SET app.tenant_id = '<id>' built by string formatting. Session-level (leaks across a pool) and injectable. Kept to prove the harness catches it.",
		Set: func(ctx context.Context, q Execer, tg *Target, id string) error {
			_, err := q.Exec(ctx, "SET "+tg.Config.ContextSetting+" = '"+id+"'")
			return err
		},
		Script: func(tg *Target, id string) string {
			return "SET " + tg.Config.ContextSetting + " = '" + id + "'"
		},
		Settings: contextSetting,
	},
}

// tenantRole names the role of a tenant for the role strategy: tf_tenant_
// and the 32 hex digits of its uuid (every digit: the world's tenant ids
// share their first 24), or of the sha256 of an id that is no uuid.
func tenantRole(id string) string {
	h := strings.ReplaceAll(strings.ToLower(id), "-", "")
	if len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" {
		sum := sha256.Sum256([]byte(id))
		h = hex.EncodeToString(sum[:16])
	}
	return "tf_tenant_" + h
}

// createTenantRole is the statement that creates a tenant's role, a
// member of the application role (it holds its grants), unless it exists.
// Roles are transactional: one created in a transaction the harness rolls
// back is gone with it.
func createTenantRole(tg *Target, id string) string {
	role := tenantRole(id)
	return "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " + catalog.QuoteLiteral(role) + ") THEN CREATE ROLE " +
		catalog.QuoteIdent(role) + " NOLOGIN IN ROLE " + catalog.QuoteIdent(tg.Config.AppRole) + "; END IF; END $$"
}

// tenantRole is the role a viewer's statements run as (viewer -1: none).
func (tg *Target) tenantRole(w interface{ TenantID(int) string }, viewer int) string {
	if viewer >= 0 && tg.Strategy.Role != nil {
		return tg.Strategy.Role(tg, w.TenantID(viewer))
	}
	return tg.Config.AppRole
}

// StrategyNames lists the context strategies.
func StrategyNames() []string {
	var out []string
	for n := range strategies {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// StrategyByName returns a context strategy or an error naming the known
// ones.
func StrategyByName(name string) (*Strategy, error) {
	if s, ok := strategies[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown context strategy %q: use one of %s", name, strings.Join(StrategyNames(), ", "))
}

// applyContext sets the tenant context through the strategy as the
// application role, under a savepoint; the role is reset afterwards (the
// setting stays: it is transaction-local, not role-local). It returns false,
// with the error, when the strategy refused. set runs its statements on q.
//
// When every statement set runs is one statement with text arguments, the
// savepoint, the role switch, those statements and the release go to the
// server in one round trip (a pipeline) instead of one each.
func (tg *Target) applyContext(ctx context.Context, tx pgx.Tx, set func(q Execer) error) (bool, error) {
	enter := []string{"SAVEPOINT tf_ctx", "SET LOCAL ROLE " + catalog.QuoteIdent(tg.Config.AppRole)}
	var rec execRecorder
	if err := set(&rec); err == nil && rec.pipelinable() {
		stmts := append(append(enter, rec.stmts...), "RELEASE SAVEPOINT tf_ctx")
		params := append(append(make([][][]byte, len(enter)), rec.params()...), nil)
		_, failed, err := pipelineParams(ctx, tx, stmts, params)
		switch {
		case err == nil:
			return true, nil
		case failed < len(enter) || !isPgError(err):
			return false, fmt.Errorf("switch to application role %s: %w", tg.Config.AppRole, err)
		case failed == len(stmts)-1:
			return false, fmt.Errorf("release context savepoint: %w", err)
		}
		if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_ctx"); rerr != nil {
			return false, fmt.Errorf("context: %w", rerr)
		}
		return false, err
	}
	if _, err := tx.Exec(ctx, strings.Join(enter, "; ")); err != nil {
		return false, fmt.Errorf("switch to application role %s: %w", tg.Config.AppRole, err)
	}
	if err := set(tx); err != nil {
		if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT tf_ctx"); rerr != nil {
			return false, fmt.Errorf("context: %w", rerr)
		}
		return false, err
	}
	if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT tf_ctx"); err != nil {
		return false, fmt.Errorf("release context savepoint: %w", err)
	}
	return true, nil
}

// execRecorder is an Execer that keeps the statements it is given instead of
// running them, so they can be sent in one pipeline.
type execRecorder struct {
	stmts []string
	args  [][]any
}

func (r *execRecorder) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	r.stmts = append(r.stmts, sql)
	r.args = append(r.args, args)
	return pgconn.CommandTag{}, nil
}

// pipelinable reports whether every statement is a single statement (no
// semicolon: a pipeline runs one per message) with string arguments only.
func (r *execRecorder) pipelinable() bool {
	for i, s := range r.stmts {
		if strings.Contains(s, ";") {
			return false
		}
		for _, a := range r.args[i] {
			if _, ok := a.(string); !ok {
				return false
			}
		}
	}
	return true
}

// params returns the arguments as text parameters, one list per statement.
func (r *execRecorder) params() [][][]byte {
	out := make([][][]byte, len(r.args))
	for i, args := range r.args {
		for _, a := range args {
			out[i] = append(out[i], []byte(a.(string)))
		}
	}
	return out
}

// membership reports whether the target runs under membership tenancy:
// the context then names a user (catalog.Membership).
func (tg *Target) membership() bool { return tg.Catalog != nil && tg.Catalog.Membership != nil }
