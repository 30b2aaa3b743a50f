package catalog

// ParseCheck exposes the CHECK reader to tests: the single-column rules by
// column, the orders and null rules, and whether all of it was read.
func ParseCheck(def, self string) (map[string]*Column, []Order, []NullRule, bool, error) {
	f, err := parseCheck(def, self)
	if err != nil {
		return nil, nil, nil, false, err
	}
	return f.cols, f.orders, f.nulls, f.understood, nil
}
