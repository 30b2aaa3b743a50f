package generators

// Statement is one generated SQL statement and what it touches.
type Statement struct {
	SQL       string
	Kind      string   // e.g. "select", "select-join"
	Relations []string // relations it reads, as catalog.Relation.String()
}

// String is the SQL text.
func (s Statement) String() string { return s.SQL }
