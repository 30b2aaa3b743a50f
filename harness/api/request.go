package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
)

// Endpoint kinds the property draws.
const (
	EpList          = "list"
	EpListParam     = "list-param" // ?tenant_id= naming another tenant
	EpSearch        = "search"
	EpGetOwn        = "get-own"
	EpGetForeign    = "get-foreign"
	EpGetMissing    = "get-missing"
	EpChunkOwn      = "chunk-own"
	EpChunkForeign  = "chunk-foreign"
	EpChunkMissing  = "chunk-missing"
	EpChunksOf      = "chunks-of"
	EpCreate        = "create"
	EpUpdateOwn     = "update-own"
	EpUpdateForeign = "update-foreign"
	EpDeleteOwn     = "delete-own"
	EpDeleteForeign = "delete-foreign"
)

// Request is one generated HTTP request and what the generator knows
// about it: the client's tenant (Viewer), the tenant it points at
// (Foreign, -1 none) and the credential. It names no server: Do and Curl
// take the base URL, so any service can be sent it.
type Request struct {
	Endpoint string
	Method   string
	Path     string // with the query string
	Body     []byte
	Header   string // the X-Tenant-Id value sent ("" none)
	Host     string // the Host header sent ("" the base URL's)
	HostNote string // how the Host was bent (variant and whose host)
	Cred     Minted
	Viewer   int
	Foreign  int
	// Reaches: the request names another tenant (an id, a header, a body
	// field, a query parameter, a claim, a Host) or lists while other
	// tenants hold documents: it could show a leak.
	Reaches bool
}

// Response is what came back.
type Response struct {
	Status int
	Body   []byte
}

// Write reports whether the request writes (create, update, delete).
func (q *Request) Write() bool { return q.Method != http.MethodGet }

// Do sends the request to base.
func (q *Request) Do(ctx context.Context, c *http.Client, base string) (*Response, error) {
	return Send(ctx, c, Wire{Method: q.Method, URL: base + q.Path, Body: q.Body, Token: q.Cred.Token, TenantHeader: HeaderTenant, Tenant: q.Header, Host: q.Host})
}

// Wire is a request as it is sent: what Send needs, whoever generated it
// (the reference service's checks, or apiclient's for the user's service).
type Wire struct {
	Method, URL  string
	Body         []byte // sent as JSON when not nil
	Token        string // the bearer token ("" none)
	TenantHeader string // the tenant header's name
	Tenant       string // its value ("" not sent)
	Host         string // the Host header ("" the URL's)
}

// Send sends w with c and reads at most 1 MiB of the answer.
func Send(ctx context.Context, c *http.Client, w Wire) (*Response, error) {
	var body io.Reader
	if w.Body != nil {
		body = bytes.NewReader(w.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, w.Method, w.URL, body)
	if err != nil {
		return nil, err
	}
	if w.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+w.Token)
	}
	if w.Tenant != "" {
		hr.Header.Set(w.TenantHeader, w.Tenant)
	}
	if w.Host != "" {
		hr.Host = w.Host
	}
	if w.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", w.Method, hr.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", w.Method, hr.URL.Path, err)
	}
	return &Response{Status: resp.StatusCode, Body: b}, nil
}

// Curl renders the request as a curl command against base. A token
// signed with the run's key (valid, expired, not yet valid, without exp
// or without the claim, a deleted tenant's, and the forged one, whose
// signature is the valid token's) is a credential of the run: it is shown
// as $TOKEN with its claims in a comment (the replay mints it again),
// never literally. Tokens the key never signed (unsigned, alg none, a
// wrong key, the public key as HMAC secret, garbage) are the point of the
// reproduction and are shown as sent.
func (q *Request) Curl(base string) string {
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
	if q.Host != "" {
		b.WriteString(" -H " + harness.ShellQuote("Host: "+q.Host))
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
// body when it is not JSON), for tracing to owners, and counts its
// objects (rows).
func values(body []byte) ([]string, int) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{string(body)}, 0
	}
	var out []string
	objects := 0
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			objects++
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
	return out, objects
}
