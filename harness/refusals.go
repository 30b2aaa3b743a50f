package harness

import (
	"fmt"
	"sort"

	"github.com/tenantfuzz/tenantfuzz/generators"
)

// countRefusals adds one world's refused rows (by table, PostgreSQL's
// first message kept) and the rows each table kept.
func (s *Stats) countRefusals(w *generators.World) {
	for _, r := range w.Rows {
		if s.accepted == nil {
			s.accepted = map[string]int{}
		}
		s.accepted[r.Table.QualifiedName()]++
	}
	for _, r := range w.Refused {
		s.addRefusal(r)
	}
}

func (s *Stats) addRefusal(r generators.Refusal) {
	if s.Refused == nil {
		s.Refused = map[string]*generators.Refusal{}
	}
	t := s.Refused[r.Table]
	if t == nil {
		t = &generators.Refusal{Table: r.Table, Tenant: r.Tenant, SQLState: r.SQLState, Message: r.Message}
		s.Refused[r.Table] = t
	}
	t.Refused += r.Refused
	t.Generated += r.Generated
	if s.accepted == nil {
		s.accepted = map[string]int{}
	}
	s.accepted[r.Table] += 0 // known: a table whose rows were refused
}

// addRefusals merges o's refusals into s.
func (s *Stats) addRefusals(o Stats) {
	for _, r := range o.Refused {
		s.addRefusal(*r)
	}
	for t, n := range o.accepted {
		if s.accepted == nil {
			s.accepted = map[string]int{}
		}
		s.accepted[t] += n
	}
}

// emptyTable is the error of checks whose worlds never kept a row of a
// tenant table the generator made rows for: every one was refused, so the
// checks tested a world without that table's data. It names the table and
// PostgreSQL's message for its first refused row; "" when none.
func (s *Stats) emptyTable() string {
	var tables []string
	for t, r := range s.Refused {
		if r.Tenant && s.accepted[t] == 0 {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return ""
	}
	// a table refused for its own rows, not for a refused parent (23503)
	sort.Slice(tables, func(i, j int) bool {
		fi, fj := s.Refused[tables[i]].SQLState == "23503", s.Refused[tables[j]].SQLState == "23503"
		if fi != fj {
			return fj
		}
		return tables[i] < tables[j]
	})
	r := s.Refused[tables[0]]
	return fmt.Sprintf("insert world: the schema refused all %d rows generated for %s in %d checks, the first with %s: the generator does not know this constraint's form; relax it for the test or report it", r.Generated, r.Table, s.Checks, r.Message)
}
