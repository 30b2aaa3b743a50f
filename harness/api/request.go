package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Endpoint kinds the property draws.
const (
	epList       = "list"
	epGetOwn     = "get-own"
	epGetForeign = "get-foreign"
	epGetMissing = "get-missing"
	epCreate     = "create"
)

// request is one generated HTTP request and what the harness knows about
// it: the client's tenant (viewer), the tenant the request points at
// (foreign, -1 none) and the credential.
type request struct {
	Endpoint string
	Method   string
	Path     string
	Body     []byte
	Header   string // the X-Tenant-Id value sent ("" none)
	Cred     Minted
	viewer   int
	foreign  int
	// reaches: the request names another tenant (an id, a header, a body
	// field, a claim) or lists while other tenants hold documents: it
	// could show a leak.
	reaches bool
}

// response is what came back.
type response struct {
	Status int
	Body   []byte
}

func (q *request) do(c *http.Client, base string) (*response, error) {
	var body io.Reader
	if q.Body != nil {
		body = bytes.NewReader(q.Body)
	}
	hr, err := http.NewRequest(q.Method, base+q.Path, body)
	if err != nil {
		return nil, err
	}
	if q.Cred.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+q.Cred.Token)
	}
	if q.Header != "" {
		hr.Header.Set(HeaderTenant, q.Header)
	}
	if q.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", q.Method, q.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", q.Method, q.Path, err)
	}
	return &response{Status: resp.StatusCode, Body: b}, nil
}

// Curl renders the request as a curl command against base. A token
// signed with the run's key (valid, expired, not yet valid, without exp
// or without the claim, and the forged one, whose signature is the valid
// token's) is a credential of the run: it is shown as $TOKEN with its
// claims in a comment (the replay mints it again), never literally.
// Tokens the key never signed (unsigned, alg none, a wrong key, garbage)
// are the point of the reproduction and are shown as sent.
func (q *request) Curl(base string) string {
	var b strings.Builder
	secret := q.Cred.Kind.SignedWithRunKey()
	switch {
	case secret:
		fmt.Fprintf(&b, "# TOKEN (%s): signed with the run's key, claims %s\n", q.Cred.Kind, q.Cred.Claims)
	case q.Cred.Claims != "":
		fmt.Fprintf(&b, "# hostile token (%s), claims %s\n", q.Cred.Kind, q.Cred.Claims)
	}
	fmt.Fprintf(&b, "curl -sS -i -X %s %s", q.Method, harness.ShellQuote(base+q.Path))
	switch {
	case secret:
		b.WriteString(` -H "Authorization: Bearer $TOKEN"`)
	case q.Cred.Token != "":
		b.WriteString(" -H " + harness.ShellQuote("Authorization: Bearer "+q.Cred.Token))
	}
	if q.Header != "" {
		b.WriteString(" -H " + harness.ShellQuote(HeaderTenant+": "+q.Header))
	}
	if q.Body != nil {
		b.WriteString(" -H 'Content-Type: application/json' --data " + harness.ShellQuote(string(q.Body)))
	}
	return b.String()
}

// values collects every string and number in a JSON document (the whole
// body when it is not JSON), for tracing to owners.
func values(body []byte) []string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{string(body)}
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			out = append(out, x)
		case float64:
			out = append(out, fmt.Sprint(x))
		}
	}
	walk(v)
	return out
}
