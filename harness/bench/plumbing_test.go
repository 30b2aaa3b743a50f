package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestParsePgbenchOutput(t *testing.T) {
	out := "transaction type: x.pgbench\nnumber of failed transactions: 0 (0.000%)\nlatency average = 1.2 ms\ntps = 1234.5678 (without initial connection time)\n"
	if tps, err := parseTPS(out); err != nil || tps != 1234.5678 {
		t.Errorf("parseTPS = %v, %v", tps, err)
	}
	if _, err := parseTPS(strings.Replace(out, "transactions: 0", "transactions: 3", 1)); err == nil {
		t.Error("parseTPS accepted failed transactions")
	}
	if _, err := parseTPS("nothing"); err == nil {
		t.Error("parseTPS accepted output without a rate")
	}
	initOut := "creating tables...\ndone in 1.84 s (drop tables 0.00 s, create tables 0.01 s, client-side generate 1.20 s, vacuum 0.28 s, primary keys 0.35 s).\n"
	if s, err := parseInitDone(initOut); err != nil || s != 1.84 {
		t.Errorf("parseInitDone = %v, %v", s, err)
	}
	if initRows(10) != 1000110 {
		t.Errorf("initRows(10) = %d", initRows(10))
	}
}

func TestSplitSQL(t *testing.T) {
	cases := map[string][]string{
		"SAVEPOINT a;SET LOCAL ROLE x;":                         {"SAVEPOINT a", "SET LOCAL ROLE x"},
		"SELECT 'a;b' AS \"c;d\"; SELECT 2":                     {"SELECT 'a;b' AS \"c;d\"", "SELECT 2"},
		"SELECT 'O''Brien ; -- q'; SELECT $$x;y$$":              {"SELECT 'O''Brien ; -- q'", "SELECT $$x;y$$"},
		"SELECT 1 -- c;\n; /* d; */ SELECT $t$;$t$, a$1 FROM t": {"SELECT 1 -- c;", "/* d; */ SELECT $t$;$t$, a$1 FROM t"},
		" ; ;": nil,
	}
	for in, want := range cases {
		if got := splitSQL(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitSQL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInlineArgs(t *testing.T) {
	got, err := inlineArgs("select set_config($1, $2, true) -- '$1'", []any{"app.tenant_id", "it's", pgx.QueryExecModeSimpleProtocol})
	if err != nil || got != "select set_config('app.tenant_id', 'it''s', true) -- '$1'" {
		t.Errorf("inlineArgs = %q, %v", got, err)
	}
	if _, err := inlineArgs("select $1", []any{3.5}); err == nil {
		t.Error("inlineArgs accepted a float")
	}
}

func TestWriteScript(t *testing.T) {
	q := []tracedQuery{
		{SQL: "BEGIN; SET LOCAL statement_timeout = '5s'"},
		{SQL: "select set_config($1, $2, true)", Args: []any{"app.tenant_id", "t1"}},
		{SQL: "rollback"},
	}
	simple, err := writeScript(q, protoSimple)
	if err != nil {
		t.Fatal(err)
	}
	wantSimple := "BEGIN \\;\nSET LOCAL statement_timeout = '5s';\nselect set_config('app.tenant_id', 't1', true);\nrollback;\n"
	if simple != wantSimple {
		t.Errorf("simple script:\n%s\nwant:\n%s", simple, wantSimple)
	}
	ext, _ := writeScript(q, protoExtended)
	wantExt := "\\startpipeline\nBEGIN;\nSET LOCAL statement_timeout = '5s';\n\\endpipeline\nselect set_config('app.tenant_id', 't1', true);\nrollback;\n"
	if ext != wantExt {
		t.Errorf("extended script:\n%s\nwant:\n%s", ext, wantExt)
	}
}

func TestStats(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median even = %v", m)
	}
	if r := pairedRatios([]float64{1, 4}, []float64{2, 2}); !reflect.DeepEqual(r, []float64{0.5, 2}) {
		t.Errorf("pairedRatios = %v", r)
	}
	if s := spread([]float64{1, 2, 3}); s != 1 {
		t.Errorf("spread = %v", s)
	}
	if ratio(1, 0) != 0 || median(nil) != 0 {
		t.Error("empty inputs must give 0")
	}
}

func TestPhaseClockClassify(t *testing.T) {
	c := newPhaseClock()
	batch := "RESET ROLE;\nSAVEPOINT tf_stmt;\nSELECT 1;\nROLLBACK TO SAVEPOINT tf_stmt;\nSAVEPOINT tf_stmt;\nSET LOCAL ROLE app_user;\nSELECT 1;\nROLLBACK TO SAVEPOINT tf_stmt"
	if s := c.classify(nil, batch); s[phaseStatement] != 0.5 || s[phaseOracle] != 0.5 {
		t.Errorf("batch shares = %v", s)
	}
	for sql, p := range map[string]phase{
		"BEGIN; SET LOCAL statement_timeout = '5s'":        phaseSetup,
		"SAVEPOINT tf_world;\nINSERT INTO t VALUES (1)":    phaseSetup,
		"select set_config($1, $2, true)":                  phaseSetup,
		"SELECT 'x' AS rel, md5(string_agg(t::text, '|'))": phaseOracle,
		"SAVEPOINT tf_write; SET LOCAL ROLE app_user":      phaseStatement,
		"UPDATE documents SET title = 'x'":                 phaseStatement,
	} {
		if s := c.classify(nil, sql); s[p] != 1 {
			t.Errorf("classify(%q) = %v, want all in phase %d", sql, s, p)
		}
	}
}

func TestPgEnv(t *testing.T) {
	env, err := pgEnv("host=/tmp/sock port=5432 user=postgres dbname=tf password=secret sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PGHOST=/tmp/sock", "PGPORT=5432", "PGUSER=postgres", "PGDATABASE=tf", "PGSSLMODE=disable", "PGAPPNAME=tenantfuzz-bench", "PGPASSWORD=secret"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("pgEnv = %q", env)
	}
}

// TestReportTableAndJSON: an empty report prints all six rows as not
// measured; a filled one prints its ratios and verdicts; bench.json holds
// what was measured.
func TestReportTableAndJSON(t *testing.T) {
	o := Options{}
	o.defaults()
	r := newReport(o)
	var b bytes.Buffer
	r.Table(&b)
	for _, item := range []string{"\n1 ", "\n2 ", "\n3 ", "\n4 ", "\n5 ", "\n6 "} {
		if !strings.Contains(b.String(), item) {
			t.Errorf("table lacks row %q:\n%s", strings.TrimSpace(item), b.String())
		}
	}
	r.Read = &ReadResult{Checks: 10, Statements: 20, Best: 2, BestPgbench: 1, Ratio: 0.9, Points: []ReadPoint{
		{Clients: 1, HarnessMedian: 500, PgbenchMedian: 1000, Ratio: 0.5}, {Clients: 2, HarnessMedian: 900, PgbenchMedian: 950, Ratio: 0.95}}}
	r.Seeding = &SeedingResult{Tenants: 10, Rows: 1000, HarnessMedian: 50, PgbenchMedian: 100, Ratio: 0.5, Memory: Memory{PeakRSSMB: 30, BaselineMB: 20, ResetWorked: true}}
	r.Startup = &StartupResult{TemplateMedian: 120, ScratchMedian: 700, Ratio: 5.8, OneOffMs: 580}
	b.Reset()
	r.Table(&b)
	for _, want := range []string{"900 @2", "1000 @1", "1:0.50 2:0.95", "0.90", "met", "0.50", "MISSED", "template 120", "30 MB"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	path := filepath.Join(t.TempDir(), "bench.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil || back["read_checks"] == nil || back["bulk_seeding"] == nil || back["time_to_detect"] != nil {
		t.Errorf("bench.json = %s (%v)", raw, err)
	}
}

func TestClientCounts(t *testing.T) {
	for max, want := range map[int][]int{1: {1}, 2: {1, 2}, 6: {1, 2, 4, 6}, 8: {1, 2, 4, 8}} {
		if got := clientCounts(max); !reflect.DeepEqual(got, want) {
			t.Errorf("clientCounts(%d) = %v, want %v", max, got, want)
		}
	}
}

func TestRecorderMarksFailures(t *testing.T) {
	r := &recorder{}
	ctx := r.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 1"})
	r.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{Err: os.ErrClosed})
	ctx = r.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 2"})
	r.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{})
	q := r.take()
	if len(q) != 2 || !q[0].Err || q[1].Err || !failed(q) || len(r.take()) != 0 {
		t.Errorf("recorded %+v", q)
	}
}
