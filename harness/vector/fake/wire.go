package fake

import "encoding/json"

// The wire types mirror the VectorService messages as protojson renders
// them with proto field names; the server converts each request into one of
// these and each response from one.

type wireSparse struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
}

type wireVector struct {
	ID       string         `json:"id"`
	Values   []float32      `json:"values,omitempty"`
	Sparse   *wireSparse    `json:"sparse_values,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type wireScored struct {
	ID       string         `json:"id"`
	Score    float32        `json:"score"`
	Values   []float32      `json:"values,omitempty"`
	Sparse   *wireSparse    `json:"sparse_values,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type wireUsage struct {
	ReadUnits uint32 `json:"read_units"`
}

type wirePagination struct {
	Next string `json:"next"`
}

type upsertRequest struct {
	Vectors   []wireVector `json:"vectors"`
	Namespace string       `json:"namespace"`
}

type upsertResponse struct {
	UpsertedCount uint32 `json:"upserted_count"`
}

type deleteRequest struct {
	IDs       []string        `json:"ids"`
	DeleteAll bool            `json:"delete_all"`
	Namespace string          `json:"namespace"`
	Filter    json.RawMessage `json:"filter"`
}

type fetchRequest struct {
	IDs       []string `json:"ids"`
	Namespace string   `json:"namespace"`
}

type fetchResponse struct {
	Vectors    map[string]wireVector `json:"vectors"`
	Namespace  string                `json:"namespace"`
	Usage      wireUsage             `json:"usage"`
	Pagination *wirePagination       `json:"pagination,omitempty"`
}

type fetchByMetadataRequest struct {
	Namespace       string          `json:"namespace"`
	Filter          json.RawMessage `json:"filter"`
	Limit           *uint32         `json:"limit"`
	PaginationToken *string         `json:"pagination_token"`
}

type listRequest struct {
	Prefix          *string `json:"prefix"`
	Limit           *uint32 `json:"limit"`
	PaginationToken *string `json:"pagination_token"`
	Namespace       string  `json:"namespace"`
}

type listItem struct {
	ID string `json:"id"`
}

type listResponse struct {
	Vectors    []listItem      `json:"vectors"`
	Pagination *wirePagination `json:"pagination,omitempty"`
	Namespace  string          `json:"namespace"`
	Usage      wireUsage       `json:"usage"`
}

type queryRequest struct {
	Namespace       string          `json:"namespace"`
	TopK            uint32          `json:"top_k"`
	Filter          json.RawMessage `json:"filter"`
	IncludeValues   bool            `json:"include_values"`
	IncludeMetadata bool            `json:"include_metadata"`
	Queries         []any           `json:"queries"`
	Vector          []float32       `json:"vector"`
	SparseVector    *wireSparse     `json:"sparse_vector"`
	ID              string          `json:"id"`
}

type queryResponse struct {
	Matches   []wireScored `json:"matches"`
	Namespace string       `json:"namespace"`
	Usage     wireUsage    `json:"usage"`
}

type updateRequest struct {
	ID          string          `json:"id"`
	Values      []float32       `json:"values"`
	Sparse      *wireSparse     `json:"sparse_values"`
	SetMetadata json.RawMessage `json:"set_metadata"`
	Namespace   string          `json:"namespace"`
	Filter      json.RawMessage `json:"filter"`
	DryRun      *bool           `json:"dry_run"`
}

type updateResponse struct {
	MatchedRecords *int32 `json:"matched_records,omitempty"`
}

type statsRequest struct {
	Filter json.RawMessage `json:"filter"`
}

type namespaceSummary struct {
	VectorCount uint32 `json:"vector_count"`
}

type statsResponse struct {
	Namespaces       map[string]namespaceSummary `json:"namespaces"`
	Dimension        uint32                      `json:"dimension"`
	IndexFullness    float32                     `json:"index_fullness"`
	TotalVectorCount uint32                      `json:"total_vector_count"`
	Metric           string                      `json:"metric"`
	VectorType       string                      `json:"vector_type"`
}

type listNamespacesRequest struct {
	PaginationToken *string `json:"pagination_token"`
	Limit           *uint32 `json:"limit"`
	Prefix          *string `json:"prefix"`
}

type namespaceDescription struct {
	Name        string `json:"name"`
	RecordCount uint64 `json:"record_count"`
}

type listNamespacesResponse struct {
	Namespaces []namespaceDescription `json:"namespaces"`
	Pagination *wirePagination        `json:"pagination,omitempty"`
	TotalCount int32                  `json:"total_count"`
}

type namespaceRequest struct {
	Namespace string `json:"namespace"`
}

type createNamespaceRequest struct {
	Name string `json:"name"`
}

type empty struct{}

// object decodes an optional JSON object (a filter or metadata): absent
// gives nil, false.
func object(raw json.RawMessage) (map[string]any, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, true, invalid("expected a JSON object: %v", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, true, nil
}
