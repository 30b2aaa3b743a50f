package harness_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
	"github.com/tenantfuzz/tenantfuzz/internal/testenv"
)

// TestOrderIndependence: every property leaves the database as it found
// it. For each example schema and a fixed seed, each property run alone on
// a fresh copy of the schema gives the same counts and outcome per subject
// as in a full run of all properties on one database, in registry order and
// in reverse (both for two schemas, one each for the two others: every
// order is met, at two thirds of the cost); and after a full run every
// table holds the rows it held before, and every sequence its value.
//
// pool-4 serves concurrent bursts: which backend a request lands on
// depends on the scheduler, so its reached count (requests on a backend
// another tenant used) is not compared; everything else is. A subject in
// which a statement hit the statement timeout (a loaded machine: the
// counts then say how busy the machine was, not what ran before) is
// logged and not compared; a subject whose statements all answered is.
func TestOrderIndependence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every property several times")
	}
	opts := harness.RunOptions{Checks: 2, Seed: 20250515, ShrinkTime: 300 * time.Millisecond,
		Large: harness.LargeOptions{Tenants: 12, PerTenant: 2, Checks: 3}}
	for _, c := range []struct {
		name, schema string
		cfg          harness.Config
		orders       []bool // the full runs: false in registry order, true reversed
	}{
		{"reference", "", harness.Config{}, []bool{false, true}},
		{"parent", "examples/parent", harness.Config{}, []bool{true}},
		{"supabase", "examples/supabase", harness.Config{Supabase: true, Context: "supabase", AppRole: "authenticated", TenantColumn: "account_id"}, []bool{false}},
		{"directory-lookups", "realworld/directory-lookups/migrations", harness.Config{AppRole: "app"}, []bool{false, true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			cfg := c.cfg
			if c.schema != "" {
				schema, err := harness.LoadSchema(testenv.Fixture(c.schema))
				if err != nil {
					t.Fatal(err)
				}
				cfg.Schema = schema
			}
			t.Parallel() // the schemas have servers of their own
			cl := newCloner(t, cfg)
			var props []*harness.Property
			for _, p := range harness.Properties {
				if p.On(opts) && p != harness.RoleTricks { // role-tricks: off by default, rolled back
					props = append(props, p)
				}
			}
			alone := map[string]outcome{}
			for _, p := range props {
				if len(p.Subjects(cl.pristine)) == 0 {
					continue // nothing to run alone (reachable-roles without reachable roles)
				}
				for k, v := range runProps(t, cl.fresh(t), []*harness.Property{p}, opts, false) {
					alone[k] = v
				}
			}
			for _, reversed := range c.orders {
				order := slices.Clone(props)
				if reversed {
					slices.Reverse(order)
				}
				tg := cl.fresh(t)
				before := snapshot(t, tg)
				full := runProps(t, tg, order, opts, reversed)
				compareOutcomes(t, reversed, alone, full)
				after := snapshot(t, tg)
				for k, v := range before {
					if after[k] != v {
						t.Errorf("after the full run (reversed=%v) %s is %d, was %d", reversed, k, after[k], v)
					}
				}
				for k, v := range after {
					if _, ok := before[k]; !ok {
						t.Errorf("after the full run (reversed=%v) %s appeared (%d)", reversed, k, v)
					}
				}
			}
			t.Logf("%s: %d subjects, %s", c.name, len(alone), time.Since(start).Round(time.Millisecond))
		})
	}
}

// outcome is what must not depend on which properties ran before.
type outcome struct {
	checks, statements, rows, reached, rejected, discarded int
	err                                                    string // "" or "error"
	kinds                                                  string
	detail                                                 string // the error, findings and discarded statements, for the message
	timedOut                                               int    // statements ended by the statement timeout: not compared
}

func (o outcome) String() string {
	return fmt.Sprintf("checks=%d statements=%d rows=%d reached=%d rejected=%d discarded=%d err=%q kinds=[%s]",
		o.checks, o.statements, o.rows, o.reached, o.rejected, o.discarded, o.err, o.kinds)
}

// runProps runs the properties in order on tg, each with its Setup and
// teardown around its subjects (as the scenarios do), subjects reversed
// when asked.
func runProps(t *testing.T, tg *harness.Target, props []*harness.Property, opts harness.RunOptions, reversed bool) map[string]outcome {
	t.Helper()
	ctx := context.Background()
	out := map[string]outcome{}
	for _, p := range props {
		pstart := time.Now()
		teardown, err := p.Prepare(ctx, tg, opts)
		if err != nil {
			t.Fatalf("prepare %s: %v", p.Name, err)
		}
		subjects := p.Subjects(tg)
		if reversed {
			slices.Reverse(subjects)
		}
		for _, s := range subjects {
			res := p.RunSubject(ctx, tg, s, opts)
			o := outcome{checks: res.Checks, statements: res.Statements, rows: res.Rows, reached: res.Reached,
				rejected: res.Rejected, discarded: res.Discarded, timedOut: res.TimedOut}
			if p == harness.PoolIsolation && s.Name != "pool-1" {
				o.reached = -1 // concurrent: the backend a request lands on is the scheduler's
			}
			var kinds []string
			if res.Err != nil {
				o.err, o.detail = "error", res.Err.Error()
			}
			for _, f := range res.Findings {
				kinds = append(kinds, string(f.Kind))
				o.detail += f.Summary() + "; "
			}
			for _, d := range res.DiscardExamples {
				o.detail += "discarded: " + d + "; "
			}
			sort.Strings(kinds)
			o.kinds = strings.Join(kinds, ",")
			out[p.Name+" "+s.Name] = o
		}
		if err := teardown(ctx); err != nil {
			t.Fatalf("tear down %s: %v", p.Name, err)
		}
		t.Logf("%s: %s", p.Name, time.Since(pstart).Round(time.Millisecond))
	}
	return out
}

func compareOutcomes(t *testing.T, reversed bool, alone, full map[string]outcome) {
	t.Helper()
	for k, a := range alone {
		f, ok := full[k]
		switch {
		case !ok:
			t.Errorf("%s: ran alone but not in the full run (reversed=%v)", k, reversed)
		case a.timedOut > 0 || f.timedOut > 0:
			t.Logf("%s not compared (reversed=%v): %d statement(s) alone and %d in the full run hit the statement timeout", k, reversed, a.timedOut, f.timedOut)
		case f.String() != a.String():
			t.Errorf("%s depends on what ran before (reversed=%v):\n  alone: %s %s\n  full:  %s %s", k, reversed, a, a.detail, f, f.detail)
		}
	}
	for k := range full {
		if _, ok := alone[k]; !ok {
			t.Errorf("%s: in the full run only (reversed=%v)", k, reversed)
		}
	}
}

// snapshot counts the rows of every table of the target's database and
// reads every sequence's state.
func snapshot(t *testing.T, tg *harness.Target) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := tg.Pool.Query(ctx, `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := tg.Pool.QueryRow(ctx, "SELECT count(*) FROM ONLY "+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out["table "+tb] = n
	}
	rows, err = tg.Pool.Query(ctx, `SELECT format('%I.%I', schemaname, sequencename), coalesce(last_value, -1) FROM pg_sequences`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		out["sequence "+name] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// cloner hands out fresh copies of a target's database: CREATE DATABASE
// from a pristine template on one server, much cheaper than a new server.
type cloner struct {
	db       *pg.Database
	pristine *harness.Target // closed: its catalog only
	next     int
}

func newCloner(t *testing.T, cfg harness.Config) *cloner {
	t.Helper()
	tg := testenv.TargetWith(t, cfg)
	tg.Close() // a template must have no other sessions
	cl := &cloner{db: tg.DB, pristine: tg}
	cl.exec(t, "CREATE DATABASE tf_pristine TEMPLATE "+pgx.Identifier{tg.DB.Name}.Sanitize()+" STRATEGY FILE_COPY")
	return cl
}

func (cl *cloner) exec(t *testing.T, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cl.db.AdminDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// fresh returns a target on a new copy of the pristine database: the
// schema is in it already, and so is the catalog, OIDs included (a
// template copy keeps them), so the pristine target's catalog serves.
func (cl *cloner) fresh(t *testing.T) *harness.Target {
	t.Helper()
	cl.next++
	name := fmt.Sprintf("tf_run_%d", cl.next)
	cl.exec(t, "CREATE DATABASE "+name+" TEMPLATE tf_pristine STRATEGY FILE_COPY") // small databases copy faster as files
	p := cl.pristine
	db := &pg.Database{DSN: cl.db.AdminDSN(name), Name: name, User: cl.db.User, Superuser: cl.db.Superuser,
		VersionNum: cl.db.VersionNum, Version: cl.db.Version}
	pcfg, err := pgxpool.ParseConfig(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	pcfg.MaxConns = 8 // as harness.Open
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		t.Fatalf("open copy: %v", err)
	}
	tg := &harness.Target{DB: db, Pool: pool, Catalog: p.Catalog, Config: p.Config, Strategy: p.Strategy, Digest: p.Digest, Roles: p.Roles}
	t.Cleanup(tg.Close)
	return tg
}
