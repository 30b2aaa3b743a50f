package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// Kinds of ids a {id} placeholder takes.
const (
	idNone    = ""
	idOwn     = "own"
	idForeign = "foreign"
	idMissing = "missing"
)

// request is one generated request and what the harness knows about it:
// the caller's tenant (viewer), the tenant it names (foreign, -1 none).
type request struct {
	Method, Path string
	Body         []byte
	Host         string // Host header ("" the URL's)
	Header       string // the tenant header's value ("" not sent)
	Cred         api.Minted
	endpoint     int
	id           string // the id in the path ("" none) and its kind
	idKind       string
	viewer       int
	foreign      int
	reaches      bool
}

type response = api.Response

// do sends the request to the scope's URL.
func (q *request) do(c *http.Client, s *Scope, tenantHeader string) (*response, error) {
	return api.Send(context.Background(), c, api.Wire{Method: q.Method, URL: s.URL(q.Path), Body: q.Body, Token: q.Cred.Token,
		TenantHeader: tenantHeader, Tenant: q.Header, Host: q.Host})
}

// curl renders the request as a curl command. A token the user's source
// made (the valid one, the forged one that keeps its signature, and every
// token signed with the key file) is a credential: it is shown as $TOKEN,
// with how to get it, never literally. Tokens nobody signed (alg none,
// another key, garbage) are the point of the reproduction and are shown.
func (q *request) curl(s *Scope, tenantHeader, how string) string {
	var b strings.Builder
	secret := q.Cred.Kind.SignedWithRunKey() && q.Cred.Token != ""
	switch {
	case secret && q.Cred.Kind == api.Forged:
		fmt.Fprintf(&b, "# TOKEN (forged): the tenant's valid token (%s) with its payload rewritten to the claims %s, signature kept\n", how, q.Cred.Claims)
	case secret && q.Cred.Claims != "":
		fmt.Fprintf(&b, "# TOKEN (%s): %s, claims %s\n", q.Cred.Kind, how, q.Cred.Claims)
	case secret:
		fmt.Fprintf(&b, "# TOKEN (%s): %s\n", q.Cred.Kind, how)
	case q.Cred.Claims != "":
		fmt.Fprintf(&b, "# hostile token (%s), claims %s\n", q.Cred.Kind, q.Cred.Claims)
	}
	fmt.Fprintf(&b, "curl -sS -i -X %s %s", q.Method, harness.ShellQuote(s.URL(q.Path)))
	if q.Host != "" {
		b.WriteString(" -H " + harness.ShellQuote("Host: "+q.Host))
	}
	switch {
	case secret:
		b.WriteString(` -H "Authorization: Bearer $TOKEN"`)
	case q.Cred.Token != "":
		b.WriteString(" -H " + harness.ShellQuote("Authorization: Bearer "+q.Cred.Token))
	}
	if q.Header != "" {
		b.WriteString(" -H " + harness.ShellQuote(tenantHeader+": "+q.Header))
	}
	if q.Body != nil {
		b.WriteString(" -H 'Content-Type: application/json' --data " + harness.ShellQuote(string(q.Body)))
	}
	return b.String()
}
