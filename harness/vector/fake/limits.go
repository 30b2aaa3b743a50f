package fake

import (
	"encoding/json"
	"math"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Pinecone's documented operation and identifier limits.
const (
	MaxUpsertBatch    = 1000    // records per upsert request
	MaxUpsertBytes    = 2 << 20 // bytes per upsert request
	MaxFetchIDs       = 1000    // ids per fetch request
	MaxDeleteIDs      = 1000    // ids per delete request
	MaxTopK           = 10000   // top_k of a query
	MaxTopKWithData   = 1000    // top_k when values or metadata are included
	MaxIDLength       = 512     // characters of a record id
	MaxNamespaceLen   = 512     // characters of a namespace name
	MaxMetadataBytes  = 40960   // bytes of metadata per record
	MaxDimension      = 20000   // dimension of dense vectors
	MaxFilterValues   = 10000   // values in one $in / $nin
	MaxListLimit      = 100     // ids per list page
	DefaultListLimit  = 100     // ids per list page when no limit is given
	MaxFetchMetaLimit = 10000   // records per fetch-by-metadata page
)

// DefaultNamespace is the name Pinecone gives the namespace called "".
const DefaultNamespace = "__default__"

// canonNamespace makes "" and "__default__" one namespace.
func canonNamespace(ns string) string {
	if ns == "" {
		return DefaultNamespace
	}
	return ns
}

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// checkASCII validates an identifier: ASCII without NUL, at most max
// characters (Pinecone's identifier limits for record ids and namespaces).
func checkASCII(what, s string, max int, allowEmpty bool) error {
	if s == "" && !allowEmpty {
		return invalid("%s must not be empty", what)
	}
	if len(s) > max {
		return invalid("%s length %d exceeds the maximum of %d", what, len(s), max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] > 0x7f || s[i] == 0 {
			return invalid("%s must be ASCII, but got %q", what, s)
		}
	}
	return nil
}

func checkID(id string) error { return checkASCII("ID", id, MaxIDLength, false) }

func checkNamespace(ns string) error { return checkASCII("namespace", ns, MaxNamespaceLen, true) }

// checkValues validates a dense vector against the index dimension.
func checkValues(v []float32, dim int) error {
	if len(v) != dim {
		return invalid("vector dimension %d does not match the dimension of the index %d", len(v), dim)
	}
	nonZero := false
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return invalid("vector values must be finite")
		}
		if x != 0 {
			nonZero = true
		}
	}
	if !nonZero {
		return invalid("dense vectors must contain at least one non-zero value")
	}
	return nil
}

// checkSparse validates sparse values: as many indices as values, no
// duplicate index, at most 1000 non-zero values.
func checkSparse(s *wireSparse) error {
	if s == nil {
		return nil
	}
	if len(s.Indices) != len(s.Values) {
		return invalid("sparse vector must have the same number of indices and values")
	}
	if len(s.Indices) > 1000 {
		return invalid("sparse vector can contain at most 1000 non-zero values")
	}
	seen := map[uint32]bool{}
	for _, i := range s.Indices {
		if seen[i] {
			return invalid("sparse vector has duplicate index %d", i)
		}
		seen[i] = true
	}
	return nil
}

// checkMetadata validates a metadata payload: strings, numbers, booleans
// and lists of strings; no nulls, no nested objects; at most 40 KB.
func checkMetadata(m map[string]any) error {
	for k, v := range m {
		switch x := v.(type) {
		case string, float64, bool:
		case nil:
			return invalid("metadata value for field %q is null: null metadata values are not supported; remove the key instead", k)
		case []any:
			for _, e := range x {
				if _, ok := e.(string); !ok {
					return invalid("metadata field %q: lists may only contain strings", k)
				}
			}
		default:
			return invalid("metadata field %q has unsupported type %T: use a string, number, boolean or list of strings", k, v)
		}
	}
	if b, _ := json.Marshal(m); len(b) > MaxMetadataBytes {
		return invalid("metadata size is %d bytes, which exceeds the limit of %d bytes per vector", len(b), MaxMetadataBytes)
	}
	return nil
}

func checkTopK(k uint32, withData bool) error {
	if k < 1 {
		return invalid("top_k must be at least 1")
	}
	if k > MaxTopK {
		return invalid("top_k %d exceeds the maximum of %d", k, MaxTopK)
	}
	if withData && k > MaxTopKWithData {
		return invalid("top_k %d exceeds the maximum of %d when values or metadata are included", k, MaxTopKWithData)
	}
	return nil
}

func checkIDCount(what string, n, max int) error {
	if n > max {
		return invalid("%s: %d ids exceed the maximum of %d per request", what, n, max)
	}
	return nil
}
