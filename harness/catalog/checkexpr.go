package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// checkFacts are what one CHECK constraint says that a row generator can
// honour, read from the constraint's parse tree (PostgreSQL's own parser):
// rules on single columns (collected in Columns used as accumulators),
// comparisons between columns, and rules on which columns are NULL.
type checkFacts struct {
	cols   map[string]*Column
	orders []Order
	nulls  []NullRule
	// understood: every conjunct of the expression was read; otherwise the
	// generator honours the parts it read and PostgreSQL refuses the rest.
	understood bool
}

// parseCheck reads a CHECK definition as pg_get_constraintdef renders it
// ("CHECK ((expr)) [NOT VALID]"). In a domain's CHECK the value is
// VALUE; self names the column it stands for.
//
// Read are the forms real schemas use: IN lists and = ANY (ARRAY[...])
// with their casts, col = const, col <> const (and <> ”), comparisons and
// BETWEEN with constants (numbers, dates, CURRENT_DATE, now()),
// length/char_length/octet_length bounds (also of trim(col)), regular
// expressions (~, ~*) and LIKE, col IS NOT NULL, comparisons between two
// columns, boolean combinations of IS [NOT] NULL and num_nonnulls, and
// "col IS NULL OR rule". Anything else leaves understood false.
func parseCheck(def, self string) (*checkFacts, error) {
	expr := strings.TrimSpace(def)
	expr = strings.TrimSuffix(expr, " NOT VALID")
	expr = strings.TrimSuffix(expr, " NO INHERIT")
	expr = strings.TrimPrefix(expr, "CHECK ")
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return nil, fmt.Errorf("parse check %q: %w", expr, err)
	}
	sel := tree.GetStmts()[0].GetStmt().GetSelectStmt()
	if sel == nil || len(sel.GetTargetList()) != 1 {
		return nil, fmt.Errorf("parse check %q: not one expression", expr)
	}
	f := &checkFacts{cols: map[string]*Column{}, understood: true}
	p := checkParser{self: self, f: f}
	for _, c := range conjuncts(sel.GetTargetList()[0].GetResTarget().GetVal()) {
		if !p.conjunct(c) {
			f.understood = false
		}
	}
	return f, nil
}

type checkParser struct {
	self string
	f    *checkFacts
}

func (p *checkParser) col(name string) *Column {
	c := p.f.cols[name]
	if c == nil {
		c = &Column{Name: name}
		p.f.cols[name] = c
	}
	return c
}

// conjuncts flattens top-level ANDs.
func conjuncts(n *pg_query.Node) []*pg_query.Node {
	if b := n.GetBoolExpr(); b != nil && b.GetBoolop() == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, a := range b.GetArgs() {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []*pg_query.Node{n}
}

// conjunct reads one conjunct; false when it is not understood.
func (p *checkParser) conjunct(n *pg_query.Node) bool {
	if alts, ok := p.nullFormula(n); ok {
		if len(alts) == 1 { // a plain conjunction: NOT NULL columns
			all := true
			for c, nonNull := range alts[0] {
				if nonNull {
					p.col(c).NotNull = true
				} else {
					all = false
				}
			}
			if all {
				return true
			}
		}
		p.f.nulls = append(p.f.nulls, NullRule{Alternatives: alts})
		return true
	}
	if b := n.GetBoolExpr(); b != nil && b.GetBoolop() == pg_query.BoolExprType_OR_EXPR {
		return p.or(b.GetArgs())
	}
	if b := n.GetBoolExpr(); b != nil && b.GetBoolop() == pg_query.BoolExprType_AND_EXPR {
		all := true
		for _, a := range b.GetArgs() {
			all = p.conjunct(a) && all
		}
		return all
	}
	if e := n.GetAExpr(); e != nil {
		return p.aexpr(e)
	}
	return false
}

// or reads "col IS NULL OR rule" (the rule binds non-NULL values) and
// disjunctions of equalities on one column (an IN list written out).
func (p *checkParser) or(args []*pg_query.Node) bool {
	var rest []*pg_query.Node
	for _, a := range args {
		if t := a.GetNullTest(); t != nil && t.GetNulltesttype() == pg_query.NullTestType_IS_NULL {
			if _, ok := p.colName(t.GetArg()); ok {
				continue
			}
		}
		rest = append(rest, a)
	}
	if len(rest) == 1 && len(args) > 1 {
		return p.conjunct(rest[0])
	}
	var col string
	var vals []string
	for _, a := range rest {
		e := a.GetAExpr()
		if e == nil || e.GetKind() != pg_query.A_Expr_Kind_AEXPR_OP || opName(e) != "=" {
			return false
		}
		c, ok1 := p.colName(e.GetLexpr())
		v, ok2 := constant(e.GetRexpr())
		if !ok1 || !ok2 || (col != "" && c != col) {
			return false
		}
		col, vals = c, append(vals, v)
	}
	p.allow(col, vals)
	return true
}

func (p *checkParser) allow(col string, vals []string) {
	p.col(col).merge(&Column{Allowed: vals})
}

func opName(e *pg_query.A_Expr) string {
	names := e.GetName()
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1].GetString_().GetSval()
}

// aexpr reads an operator expression.
func (p *checkParser) aexpr(e *pg_query.A_Expr) bool {
	op := opName(e)
	switch e.GetKind() {
	case pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		col, ok := p.colName(e.GetLexpr())
		vals, ok2 := constList(e.GetRexpr())
		if !ok || !ok2 || (op != "<>" && op != "!=") {
			return false
		}
		c := p.col(col)
		c.Excluded = append(c.Excluded, vals...)
		return true
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_IN:
		col, ok := p.colName(e.GetLexpr())
		vals, ok2 := constList(e.GetRexpr())
		if !ok || !ok2 {
			return false
		}
		switch op {
		case "=":
			p.allow(col, vals)
			return true
		case "<>", "!=":
			c := p.col(col)
			c.Excluded = append(c.Excluded, vals...)
			return true
		}
		return false
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN:
		col, ok := p.colName(e.GetLexpr())
		items := e.GetRexpr().GetList().GetItems()
		if !ok || len(items) != 2 {
			return false
		}
		return p.bound(col, ">=", items[0]) && p.bound(col, "<=", items[1])
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		return p.like(e, op)
	case pg_query.A_Expr_Kind_AEXPR_OP:
		if op == "~~" || op == "~~*" { // LIKE as PostgreSQL stores it
			return p.like(e, op)
		}
	default:
		return false
	}
	l, r := e.GetLexpr(), e.GetRexpr()
	if _, ok := p.colName(l); !ok {
		if _, ok := p.colName(r); ok { // const op col: flip
			l, r, op = r, l, flip(op)
		}
	}
	if lc, ok := p.colName(l); ok {
		if rc, ok := p.colName(r); ok {
			switch op {
			case "<", "<=", ">", ">=":
				p.f.orders = append(p.f.orders, Order{Left: lc, Op: op, Right: rc})
				return true
			}
			return false
		}
		switch op {
		case "=":
			v, ok := constant(r)
			if ok {
				p.allow(lc, []string{v})
			}
			return ok
		case "<>", "!=":
			v, ok := constant(r)
			if ok {
				c := p.col(lc)
				c.Excluded = append(c.Excluded, v)
				if v == "" {
					c.MinLen = max(c.MinLen, 1)
				}
			}
			return ok
		case "<", "<=", ">", ">=":
			return p.bound(lc, op, r)
		case "~", "~*":
			v, ok := constant(r)
			if ok {
				if op == "~*" {
					v = "(?i)" + v
				}
				c := p.col(lc)
				c.Patterns = append(c.Patterns, v)
			}
			return ok
		}
		return false
	}
	// length(col) op n, and trim(col) <> ''
	if lc, fn, ok := p.lengthOf(l); ok {
		v, ok := constant(r)
		n, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			return false
		}
		c := p.col(lc)
		if fn == "octet_length" {
			c.ASCII = true
		}
		lo, hi := -1, -1
		switch op {
		case ">":
			lo = int(math.Floor(n)) + 1
		case ">=":
			lo = int(math.Ceil(n))
		case "<":
			hi = int(math.Ceil(n)) - 1
		case "<=":
			hi = int(math.Floor(n))
		case "=":
			lo, hi = int(n), int(n)
		case "<>", "!=":
			if n == 0 {
				lo = 1
			}
		default:
			return false
		}
		if lo >= 0 {
			c.MinLen = max(c.MinLen, lo)
		}
		if hi >= 0 && (c.MaxLen == 0 || hi < c.MaxLen) {
			c.MaxLen = max(hi, 0)
		}
		return true
	}
	if lc, ok := p.trimmed(l); ok && (op == "<>" || op == "!=") {
		if v, ok := constant(r); ok && v == "" {
			c := p.col(lc)
			c.MinLen = max(c.MinLen, 1)
			return true
		}
	}
	return false
}

// like reads col LIKE 'pattern' (~~) and ILIKE (~~*) as a pattern.
func (p *checkParser) like(e *pg_query.A_Expr, op string) bool {
	col, ok := p.colName(e.GetLexpr())
	pat, ok2 := constant(e.GetRexpr())
	if !ok || !ok2 || (op != "~~" && op != "~~*") {
		return false
	}
	re := likeToRegexp(pat)
	if e.GetKind() == pg_query.A_Expr_Kind_AEXPR_ILIKE || op == "~~*" {
		re = "(?i)" + re
	}
	c := p.col(col)
	c.Patterns = append(c.Patterns, re)
	return true
}

// bound records col op value (>, >=, <, <=) with a constant, CURRENT_DATE
// or now() into Lower/Upper, and for numbers into Min/Max too (inclusive,
// integral).
func (p *checkParser) bound(col, op string, n *pg_query.Node) bool {
	v, ok := constant(n)
	if !ok {
		if !isNow(n) {
			return false
		}
		v = "now"
	}
	c := p.col(col)
	b := &Bound{Value: v, Strict: op == ">" || op == "<"}
	if op == ">" || op == ">=" {
		c.Lower = b
	} else {
		c.Upper = b
	}
	if x, err := strconv.ParseFloat(v, 64); err == nil {
		switch op {
		case ">=":
			c.Min = maxPtr(c.Min, x)
		case ">":
			c.Min = maxPtr(c.Min, math.Floor(x)+1)
		case "<=":
			c.Max = minPtr(c.Max, x)
		case "<":
			c.Max = minPtr(c.Max, math.Ceil(x)-1)
		}
	}
	return true
}

func maxPtr(p *float64, x float64) *float64 {
	if p != nil && *p > x {
		return p
	}
	return &x
}

func minPtr(p *float64, x float64) *float64 {
	if p != nil && *p < x {
		return p
	}
	return &x
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// uncast strips casts: (status)::text is status.
func uncast(n *pg_query.Node) *pg_query.Node {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	return n
}

// colName returns the column a (possibly cast) column reference names;
// VALUE in a domain CHECK is the column self.
func (p *checkParser) colName(n *pg_query.Node) (string, bool) {
	ref := uncast(n).GetColumnRef()
	if ref == nil {
		return "", false
	}
	f := ref.GetFields()
	if len(f) == 0 || f[len(f)-1].GetString_() == nil {
		return "", false
	}
	name := f[len(f)-1].GetString_().GetSval()
	if p.self != "" && name == "value" {
		return p.self, true
	}
	return name, true
}

// lengthOf reads length(col), char_length(col), character_length(col) or
// octet_length(col), also of trim(col)/btrim(col).
func (p *checkParser) lengthOf(n *pg_query.Node) (col, fn string, ok bool) {
	fc := uncast(n).GetFuncCall()
	if fc == nil || len(fc.GetArgs()) != 1 {
		return "", "", false
	}
	fn = funcName(fc)
	switch fn {
	case "length", "char_length", "character_length", "octet_length":
	default:
		return "", "", false
	}
	if c, ok := p.colName(fc.GetArgs()[0]); ok {
		return c, fn, true
	}
	if c, ok := p.trimmed(fc.GetArgs()[0]); ok {
		return c, fn, true
	}
	return "", "", false
}

// trimmed reads trim(col), btrim(col), lower(col) or upper(col): functions
// that keep a non-blank generated value non-empty.
func (p *checkParser) trimmed(n *pg_query.Node) (string, bool) {
	fc := uncast(n).GetFuncCall()
	if fc == nil || len(fc.GetArgs()) != 1 {
		return "", false
	}
	switch funcName(fc) {
	case "btrim", "trim", "ltrim", "rtrim", "lower", "upper":
		return p.colName(fc.GetArgs()[0])
	}
	return "", false
}

func funcName(fc *pg_query.FuncCall) string {
	names := fc.GetFuncname()
	if len(names) == 0 {
		return ""
	}
	return strings.ToLower(names[len(names)-1].GetString_().GetSval())
}

func isNow(n *pg_query.Node) bool {
	n = uncast(n)
	if v := n.GetSqlvalueFunction(); v != nil {
		switch v.GetOp() {
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP,
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP,
			pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
			return true
		}
	}
	if fc := n.GetFuncCall(); fc != nil {
		switch funcName(fc) {
		case "now", "statement_timestamp", "transaction_timestamp", "clock_timestamp":
			return len(fc.GetArgs()) == 0
		}
	}
	return false
}

// constant returns the text of a (possibly cast) constant.
func constant(n *pg_query.Node) (string, bool) {
	n = uncast(n)
	if e := n.GetAExpr(); e != nil && e.GetLexpr() == nil && opName(e) == "-" { // (- 3.5)
		v, ok := constant(e.GetRexpr())
		return "-" + v, ok
	}
	c := n.GetAConst()
	switch {
	case c == nil || c.GetIsnull():
		return "", false
	case c.GetSval() != nil:
		return c.GetSval().GetSval(), true
	case c.GetIval() != nil:
		return strconv.FormatInt(int64(c.GetIval().GetIval()), 10), true
	case c.GetFval() != nil:
		return c.GetFval().GetFval(), true
	case c.GetBoolval() != nil:
		return strconv.FormatBool(c.GetBoolval().GetBoolval()), true
	}
	return "", false
}

// constList reads ARRAY[...] (possibly cast), '{a,b}' or an IN list.
func constList(n *pg_query.Node) ([]string, bool) {
	n = uncast(n)
	var items []*pg_query.Node
	switch {
	case n.GetAArrayExpr() != nil:
		items = n.GetAArrayExpr().GetElements()
	case n.GetList() != nil:
		items = n.GetList().GetItems()
	default:
		s, ok := constant(n)
		if !ok || !strings.HasPrefix(s, "{") || strings.ContainsAny(s, `"\`) {
			return nil, false
		}
		s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
		if s == "" {
			return []string{}, true
		}
		return strings.Split(s, ","), true
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		v, ok := constant(it)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// likeToRegexp translates a LIKE pattern (% and _, backslash escapes) to
// an anchored regular expression.
func likeToRegexp(pat string) string {
	var b strings.Builder
	b.WriteString("^")
	esc := false
	for _, r := range pat {
		switch {
		case esc:
			b.WriteString(regexpQuote(r))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexpQuote(r))
		}
	}
	b.WriteString("$")
	return b.String()
}

func regexpQuote(r rune) string {
	if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
		return `\` + string(r)
	}
	return string(r)
}

// nullFormula reads a boolean formula over IS [NOT] NULL tests and
// num_nonnulls/num_nulls comparisons into alternatives (disjunctive normal
// form): each maps columns to whether they must be non-NULL.
func (p *checkParser) nullFormula(n *pg_query.Node) ([]map[string]bool, bool) {
	n = uncast(n)
	switch {
	case n.GetNullTest() != nil:
		t := n.GetNullTest()
		c, ok := p.colName(t.GetArg())
		if !ok {
			return nil, false
		}
		return []map[string]bool{{c: t.GetNulltesttype() == pg_query.NullTestType_IS_NOT_NULL}}, true
	case n.GetBoolExpr() != nil:
		b := n.GetBoolExpr()
		var parts [][]map[string]bool
		for _, a := range b.GetArgs() {
			alts, ok := p.nullFormula(a)
			if !ok {
				return nil, false
			}
			parts = append(parts, alts)
		}
		switch b.GetBoolop() {
		case pg_query.BoolExprType_OR_EXPR:
			var out []map[string]bool
			for _, a := range parts {
				out = append(out, a...)
			}
			return out, true
		case pg_query.BoolExprType_AND_EXPR:
			out := []map[string]bool{{}}
			for _, alts := range parts {
				var next []map[string]bool
				for _, x := range out {
					for _, y := range alts {
						if m, ok := merge(x, y); ok {
							next = append(next, m)
						}
					}
				}
				out = next
			}
			return out, len(out) > 0 && len(out) <= 64
		}
	case n.GetAExpr() != nil:
		return p.countNonNulls(n.GetAExpr())
	}
	return nil, false
}

// countNonNulls reads num_nonnulls(a, b, ...) op n (and num_nulls).
func (p *checkParser) countNonNulls(e *pg_query.A_Expr) ([]map[string]bool, bool) {
	fc := uncast(e.GetLexpr()).GetFuncCall()
	v, ok := constant(e.GetRexpr())
	if fc == nil || !ok || e.GetKind() != pg_query.A_Expr_Kind_AEXPR_OP || len(fc.GetArgs()) > 6 {
		return nil, false
	}
	k, err := strconv.Atoi(v)
	if err != nil {
		return nil, false
	}
	var cols []string
	for _, a := range fc.GetArgs() {
		c, ok := p.colName(a)
		if !ok {
			return nil, false
		}
		cols = append(cols, c)
	}
	nulls := false
	switch funcName(fc) {
	case "num_nonnulls":
	case "num_nulls":
		nulls = true
	default:
		return nil, false
	}
	test := func(count int) bool {
		switch opName(e) {
		case "=":
			return count == k
		case ">=":
			return count >= k
		case ">":
			return count > k
		case "<=":
			return count <= k
		case "<":
			return count < k
		case "<>", "!=":
			return count != k
		}
		return false
	}
	var out []map[string]bool
	for mask := 0; mask < 1<<len(cols); mask++ {
		m, count := map[string]bool{}, 0
		for i, c := range cols {
			nonNull := mask&(1<<i) != 0
			m[c] = nonNull
			if nonNull != nulls {
				count++
			}
		}
		if test(count) {
			out = append(out, m)
		}
	}
	// fewest non-NULL columns first: the generator tries them in order
	return out, len(out) > 0
}

func merge(a, b map[string]bool) (map[string]bool, bool) {
	m := make(map[string]bool, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		if w, ok := m[k]; ok && w != v {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}
