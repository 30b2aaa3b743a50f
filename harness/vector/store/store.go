// Package store is the vector-store port the application layer uses
// (upsert, query, fetch, list, update, delete, stats, per namespace) and
// its adapter over the real Pinecone client, go-pinecone. The harness uses
// the same port, unscoped, as the administrator who knows the ground truth.
package store

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Metadata is a record's metadata: strings, float64 numbers, booleans and
// lists of strings ([]any of string).
type Metadata = map[string]any

// Filter is a Pinecone metadata filter ($eq, $and, ... as JSON values).
type Filter = map[string]any

// Record is a stored vector.
type Record struct {
	ID       string
	Values   []float32
	Metadata Metadata
}

// Match is a query result, most similar first.
type Match struct {
	Record
	Score float32
}

// Query searches one namespace by a vector or by the id of a stored record.
type Query struct {
	Vector          []float32 // the query vector, or
	ID              string    // the id of a record whose vector is the query
	TopK            int
	Filter          Filter // nil: no filter
	IncludeValues   bool
	IncludeMetadata bool
}

// Page is one page of ids from List.
type Page struct {
	IDs  []string
	Next string // "" on the last page
}

// Stats are the record counts of an index.
type Stats struct {
	Dimension  int
	Total      int
	Namespaces map[string]int // record count by namespace name
}

// Store is the port: every call names its namespace ("" is the default
// namespace). Errors keep the gRPC status of the store's answer (see
// IsInvalid, IsNotFound).
type Store interface {
	Upsert(ctx context.Context, ns string, recs []Record) (int, error)
	Query(ctx context.Context, ns string, q Query) ([]Match, error)
	Fetch(ctx context.Context, ns string, ids []string) (map[string]Record, error)
	List(ctx context.Context, ns, prefix string, limit int, token string) (Page, error)
	// Update replaces the values (when given) and merges setMetadata into
	// the metadata of one record.
	Update(ctx context.Context, ns, id string, values []float32, setMetadata Metadata) error
	DeleteIDs(ctx context.Context, ns string, ids []string) error
	DeleteFilter(ctx context.Context, ns string, f Filter) error
	DeleteAll(ctx context.Context, ns string) error
	Stats(ctx context.Context) (Stats, error)
	// Namespaces lists every namespace (all pages).
	Namespaces(ctx context.Context) ([]string, error)
	DeleteNamespace(ctx context.Context, ns string) error
	Close() error
}

// DefaultNamespace is the name the default namespace ("") goes by.
const DefaultNamespace = "__default__"

// CanonNamespace makes "" and "__default__" one name.
func CanonNamespace(ns string) string {
	if ns == "" {
		return DefaultNamespace
	}
	return ns
}

// IsInvalid reports whether the store refused a request as invalid
// (INVALID_ARGUMENT): a limit or a malformed filter, id or vector.
func IsInvalid(err error) bool { return status.Code(err) == codes.InvalidArgument }

// IsNotFound reports whether the store answered NOT_FOUND (a missing
// namespace on delete, a missing id on update).
func IsNotFound(err error) bool { return status.Code(err) == codes.NotFound }

// ErrNotSettled means a write did not become visible within the settle
// bound: Pinecone is eventually consistent and this index is slow or the
// write was lost.
var ErrNotSettled = errors.New("write not visible within the settle bound")
