package reports

import _ "embed"

// JSONSchema is report.schema.json: the JSON Schema (draft 2020-12) of
// report.json, shipped in evidence bundles and printed by
// `tenantfuzz report --format schema`.
//
//go:embed report.schema.json
var JSONSchema []byte
