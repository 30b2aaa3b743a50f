package fake

import (
	"sort"
	"strings"
)

// predicate reports whether a record's metadata matches a filter.
type predicate func(meta map[string]any) bool

func matchAll(map[string]any) bool { return true }

// compileFilter turns a Pinecone metadata filter into a predicate. A nil or
// empty filter matches every record. Keys are field names or $and / $or;
// several keys are AND-ed. A field takes a bare value (meaning $eq) or an
// object of operators (AND-ed).
//
// Matching, per Pinecone's documentation: a list-of-strings field matches
// $eq / $in when any element does, and $ne / $nin when no element does;
// $gt $gte $lt $lte compare numbers only; $ne matches only records where
// the field is set. $nin, like MongoDB's, also matches records without the
// field (the behaviour behind docs/leaks.md entry 35; not stated by Pinecone's
// documentation: the conformance suite checks it against a real index).
func compileFilter(f map[string]any) (predicate, error) {
	if len(f) == 0 {
		return matchAll, nil
	}
	keys := sortedKeys(f)
	var preds []predicate
	for _, k := range keys {
		v := f[k]
		var p predicate
		var err error
		switch {
		case k == "$and" || k == "$or":
			p, err = compileLogical(k, v)
		case strings.HasPrefix(k, "$"):
			return nil, invalid("unknown operator %s at the top level of the filter: use $and, $or or a field name", k)
		default:
			p, err = compileField(k, v)
		}
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return and(preds), nil
}

func and(preds []predicate) predicate {
	if len(preds) == 1 {
		return preds[0]
	}
	return func(m map[string]any) bool {
		for _, p := range preds {
			if !p(m) {
				return false
			}
		}
		return true
	}
}

func compileLogical(op string, v any) (predicate, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, invalid("%s takes a non-empty array of filters", op)
	}
	var preds []predicate
	for _, e := range list {
		sub, ok := e.(map[string]any)
		if !ok {
			return nil, invalid("%s takes an array of filter objects, got %T", op, e)
		}
		p, err := compileFilter(sub)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	if op == "$and" {
		return and(preds), nil
	}
	return func(m map[string]any) bool {
		for _, p := range preds {
			if p(m) {
				return true
			}
		}
		return false
	}, nil
}

func compileField(field string, v any) (predicate, error) {
	ops, ok := v.(map[string]any)
	if !ok {
		if !isScalar(v) {
			return nil, invalid("filter value for field %q must be a string, number or boolean, or an object of operators", field)
		}
		return compileOp(field, "$eq", v)
	}
	if len(ops) == 0 {
		return nil, invalid("filter for field %q has no operator", field)
	}
	var preds []predicate
	for _, op := range sortedKeys(ops) {
		p, err := compileOp(field, op, ops[op])
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return and(preds), nil
}

func compileOp(field, op string, arg any) (predicate, error) {
	switch op {
	case "$eq", "$ne":
		if !isScalar(arg) {
			return nil, invalid("%s on field %q takes a string, number or boolean", op, field)
		}
		eq := func(m map[string]any) (set, match bool) {
			v, ok := m[field]
			if !ok {
				return false, false
			}
			if list, ok := v.([]any); ok {
				for _, e := range list {
					if equal(e, arg) {
						return true, true
					}
				}
				return true, false
			}
			return true, equal(v, arg)
		}
		if op == "$eq" {
			return func(m map[string]any) bool { _, ok := eq(m); return ok }, nil
		}
		return func(m map[string]any) bool { set, ok := eq(m); return set && !ok }, nil
	case "$gt", "$gte", "$lt", "$lte":
		x, ok := arg.(float64)
		if !ok {
			return nil, invalid("%s on field %q takes a number", op, field)
		}
		return func(m map[string]any) bool {
			v, ok := m[field].(float64)
			if !ok {
				return false
			}
			switch op {
			case "$gt":
				return v > x
			case "$gte":
				return v >= x
			case "$lt":
				return v < x
			}
			return v <= x
		}, nil
	case "$in", "$nin":
		list, ok := arg.([]any)
		if !ok {
			return nil, invalid("%s on field %q takes an array", op, field)
		}
		if len(list) > MaxFilterValues {
			return nil, invalid("%s on field %q has %d values, more than the maximum of %d", op, field, len(list), MaxFilterValues)
		}
		for _, e := range list {
			if !isScalar(e) {
				return nil, invalid("%s on field %q takes an array of strings, numbers or booleans", op, field)
			}
		}
		in := func(v any) bool {
			for _, e := range list {
				if equal(v, e) {
					return true
				}
			}
			return false
		}
		hit := func(m map[string]any) (set, match bool) {
			v, ok := m[field]
			if !ok {
				return false, false
			}
			if vs, ok := v.([]any); ok {
				for _, e := range vs {
					if in(e) {
						return true, true
					}
				}
				return true, false
			}
			return true, in(v)
		}
		if op == "$in" {
			return func(m map[string]any) bool { _, ok := hit(m); return ok }, nil
		}
		return func(m map[string]any) bool { _, ok := hit(m); return !ok }, nil
	case "$exists":
		want, ok := arg.(bool)
		if !ok {
			return nil, invalid("$exists on field %q takes a boolean", field)
		}
		return func(m map[string]any) bool { _, ok := m[field]; return ok == want }, nil
	}
	return nil, invalid("unknown operator %s on field %q: supported are $eq $ne $gt $gte $lt $lte $in $nin $exists", op, field)
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

// equal compares metadata values of the same type; values of different
// types are never equal.
func equal(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Matches reports whether metadata matches a filter under the fake's
// semantics; the harness uses it to keep its model of each tenant's records
// in step with deletes by filter.
func Matches(filter, md map[string]any) (bool, error) {
	p, err := compileFilter(filter)
	if err != nil {
		return false, err
	}
	return p(md), nil
}
