package apiclient

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Endpoint is one request shape of the user's service.
//
// Path is a path template: {id} stands for an id of Table's rows (the
// caller's own, another tenant's, or one that exists nowhere), {tenant}
// for a tenant id (the caller's, or another tenant's: a request that names
// another tenant). Body is a JSON template with the same placeholders and
// {canary}, the caller's canary marker (created rows carry it, so a row
// that lands elsewhere is traced back to its creator).
type Endpoint struct {
	Method   string `yaml:"method"`
	Path     string `yaml:"path"`
	Table    string `yaml:"table"`     // the table whose ids {id} takes
	IDColumn string `yaml:"id_column"` // the column {id} takes its values from (default id)
	Body     string `yaml:"body"`
}

// Spec is what tenantfuzz exercises: the endpoints, and optionally a
// header name a careless service might take the tenant from (requests
// sometimes carry it naming another tenant; a careful service ignores it).
type Spec struct {
	Endpoints    []Endpoint `yaml:"endpoints"`
	TenantHeader string     `yaml:"tenant_header"`
	Source       string     `yaml:"-"` // the file read
}

// ErrSpec marks an endpoints file or OpenAPI document tenantfuzz cannot use.
var ErrSpec = errors.New("bad endpoints")

var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// LoadEndpoints reads a YAML endpoints file (docs/api.md, "Your own
// service"): unknown keys are an error, so a misspelt key is not ignored.
func LoadEndpoints(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrSpec, path, errors.Unwrap(err))
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrSpec, path, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	s.Source = path
	return &s, s.check()
}

// check normalizes and validates the endpoints.
func (s *Spec) check() error {
	if len(s.Endpoints) == 0 {
		return fmt.Errorf("%w: %s names no endpoints (want endpoints: - method: GET path: /things/{id} table: things)", ErrSpec, s.Source)
	}
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		e.Method = strings.ToUpper(strings.TrimSpace(e.Method))
		if e.IDColumn == "" {
			e.IDColumn = "id"
		}
		where := fmt.Sprintf("%s: endpoint %d (%s %s)", s.Source, i+1, e.Method, e.Path)
		switch e.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return fmt.Errorf("%w: %s: method %q: use GET, POST, PUT, PATCH or DELETE", ErrSpec, where, e.Method)
		}
		if !strings.HasPrefix(e.Path, "/") {
			return fmt.Errorf("%w: %s: the path must start with /", ErrSpec, where)
		}
		for _, t := range []string{e.Path, e.Body} {
			for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
				switch m[1] {
				case "id", "tenant", "canary":
				default:
					return fmt.Errorf("%w: %s: unknown placeholder {%s} (use {id}, {tenant}, {canary})", ErrSpec, where, m[1])
				}
			}
		}
		if strings.Contains(e.Path+e.Body, "{id}") && e.Table == "" {
			return fmt.Errorf("%w: %s: {id} needs table: (the table whose ids it takes)", ErrSpec, where)
		}
		if e.Body != "" && (e.Method == http.MethodGet || e.Method == http.MethodDelete) {
			return fmt.Errorf("%w: %s: a %s has no body", ErrSpec, where, e.Method)
		}
	}
	return nil
}
