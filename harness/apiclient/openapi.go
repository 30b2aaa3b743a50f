package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// tableExtension names, on an operation or a path parameter, the table
// whose ids the path parameter takes when the path segment before it does
// not (x-tenantfuzz-table: documents).
const tableExtension = "x-tenantfuzz-table"

// LoadOpenAPI reads an OpenAPI 3 document (YAML or JSON) with kin-openapi
// and turns its operations into endpoints: a path with one path parameter
// takes ids of the table named by the segment before it (/documents/{id}
// takes documents' ids) or by x-tenantfuzz-table; a JSON request body gets
// the caller's canary in its string properties and a tenant id in a
// property whose name holds "tenant"; a header parameter whose name holds
// "tenant" becomes the tenant header. Operations with more than one path
// parameter are skipped (listed in Skipped).
func LoadOpenAPI(ctx context.Context, path string) (*Spec, []string, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: read OpenAPI %s: %s", ErrSpec, path, sqltree.OneLine(err.Error(), 0))
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, nil, fmt.Errorf("%w: OpenAPI %s is not valid: %s", ErrSpec, path, sqltree.OneLine(err.Error(), 0))
	}
	s := &Spec{Source: path}
	var skipped []string
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			e, why := endpointOf(p, m, item, ops[m], s)
			if why != "" {
				skipped = append(skipped, m+" "+p+": "+why)
				continue
			}
			s.Endpoints = append(s.Endpoints, e)
		}
	}
	return s, skipped, s.check()
}

func endpointOf(path, method string, item *openapi3.PathItem, op *openapi3.Operation, s *Spec) (Endpoint, string) {
	e := Endpoint{Method: method}
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return e, "method not exercised"
	}
	params := append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
	for _, pr := range params {
		if pr.Value != nil && pr.Value.In == openapi3.ParameterInHeader && strings.Contains(strings.ToLower(pr.Value.Name), "tenant") {
			s.TenantHeader = pr.Value.Name
		}
	}
	names := placeholder.FindAllStringSubmatch(path, -1)
	switch len(names) {
	case 0:
		e.Path = path
	case 1:
		e.Path = strings.Replace(path, names[0][0], "{id}", 1)
		e.Table = tableOf(path, names[0][0], op, params, names[0][1])
		if e.Table == "" {
			return e, "no table for {" + names[0][1] + "} (name it with " + tableExtension + ")"
		}
	default:
		return e, "more than one path parameter"
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil && method != http.MethodGet && method != http.MethodDelete {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			e.Body = bodyTemplate(mt.Schema.Value)
		}
	}
	return e, ""
}

// tableOf is the table a path parameter's ids come from.
func tableOf(path, param string, op *openapi3.Operation, params openapi3.Parameters, name string) string {
	if t, ok := op.Extensions[tableExtension].(string); ok {
		return t
	}
	for _, pr := range params {
		if pr.Value != nil && pr.Value.Name == name {
			if t, ok := pr.Value.Extensions[tableExtension].(string); ok {
				return t
			}
		}
	}
	before := strings.Trim(path[:strings.Index(path, param)], "/")
	if i := strings.LastIndex(before, "/"); i >= 0 {
		before = before[i+1:]
	}
	return before
}

// bodyTemplate is a JSON object template for a request body schema.
func bodyTemplate(sc *openapi3.Schema) string {
	obj := map[string]any{}
	for name, ref := range sc.Properties {
		if ref == nil || ref.Value == nil || ref.Value.ReadOnly {
			continue
		}
		v := ref.Value
		switch {
		case v.Type.Is("string") && strings.Contains(strings.ToLower(name), "tenant"):
			obj[name] = "{tenant}"
		case v.Type.Is("string") && v.Format == "" && len(v.Enum) == 0:
			obj[name] = "{canary} " + name
		case v.Type.Is("string") && len(v.Enum) > 0:
			obj[name] = v.Enum[0]
		case v.Type.Is("integer") || v.Type.Is("number"):
			obj[name] = 1
		case v.Type.Is("boolean"):
			obj[name] = false
		}
	}
	b, _ := json.Marshal(obj)
	return string(b)
}
