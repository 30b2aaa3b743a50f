package apiclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tenantfuzz/tenantfuzz/harness/api"
)

// Tenant is what a credential is made for: the tenant's id and, under a
// host pattern, its slug.
type Tenant struct {
	ID, Slug, Label string
}

// Credentials is where each tenant's credential comes from: exactly one
// of AuthCmd (a shell command that prints the tenant's bearer token) or a
// signing key (Key with Method, from --jwt-secret-file) naming the tenant
// in Claim; HostPattern (the tenant's host, {slug} replaced) may go with
// either or stand alone.
type Credentials struct {
	AuthCmd     string
	Key         any // []byte for HS256, *rsa.PrivateKey, *ecdsa.PrivateKey
	Method      jwt.SigningMethod
	Claim       string // default tenant_id
	HostPattern string

	mu       sync.Mutex
	tokens   map[string]string // AuthCmd's answers by tenant id
	wrongKey any
}

// ErrCredentials marks a credential source that cannot be used.
var ErrCredentials = errors.New("credentials")

// LoadKey reads a JWT signing key: a PEM private key (RSA: RS256, EC P-256:
// ES256) or, otherwise, an HS256 secret (the file's bytes, without a
// trailing newline).
func LoadKey(path string) (any, jwt.SigningMethod, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: read --jwt-secret-file: %v", ErrCredentials, errors.Unwrap(err))
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) {
		if k, err := jwt.ParseRSAPrivateKeyFromPEM(b); err == nil {
			return k, jwt.SigningMethodRS256, nil
		}
		if k, err := jwt.ParseECPrivateKeyFromPEM(b); err == nil && k.Curve == elliptic.P256() {
			return k, jwt.SigningMethodES256, nil
		}
		return nil, nil, fmt.Errorf("%w: --jwt-secret-file %s: a PEM file that is neither an RSA nor a P-256 EC private key", ErrCredentials, path)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("%w: --jwt-secret-file %s: an HS256 secret of %d bytes; is it the right file?", ErrCredentials, path, len(b))
	}
	return b, jwt.SigningMethodHS256, nil
}

func (c *Credentials) claim() string {
	if c.Claim == "" {
		return api.ClaimTenant
	}
	return c.Claim
}

// Tokens reports whether requests carry bearer tokens (not a host alone).
func (c *Credentials) Tokens() bool { return c.AuthCmd != "" || c.Key != nil }

// Host is the tenant's Host header ("" without a host pattern).
func (c *Credentials) Host(t Tenant) string {
	if c.HostPattern == "" {
		return ""
	}
	return strings.ReplaceAll(c.HostPattern, "{slug}", t.Slug)
}

// Hostile lists the hostile kinds this source can make: every kind with a
// key; with a command, no token, garbage, and (when its tokens are JWTs
// that carry the claim) alg none and the forged claim; none with a host
// alone.
func (c *Credentials) Hostile(ctx context.Context, sample Tenant) ([]api.Credential, error) {
	switch {
	case c.Key != nil:
		return keyHostile, nil
	case c.AuthCmd != "":
		tok, err := c.command(ctx, sample)
		if err != nil {
			return nil, err
		}
		out := []api.Credential{api.None, api.Garbage}
		if p, err := payload(tok); err == nil && p[c.claim()] == sample.ID {
			out = append(out, api.AlgNone, api.Forged)
		}
		return out, nil
	}
	return nil, nil
}

// keyHostile are the hostile kinds a signing key makes (Mint's cases).
var keyHostile = []api.Credential{api.None, api.Garbage, api.AlgNone, api.WrongKey, api.Forged, api.Expired, api.NotYet, api.NoExpiry, api.NoClaim}

// Mint makes a credential of kind for own, naming foreign where the kind
// claims another tenant (see api.Credential).
func (c *Credentials) Mint(ctx context.Context, kind api.Credential, own, foreign Tenant, now time.Time) (api.Minted, error) {
	m := api.Minted{Kind: kind}
	if !c.Tokens() {
		return m, nil
	}
	var err error
	switch kind {
	case api.None:
		return m, nil
	case api.Garbage:
		m.Token = "not-a-jwt"
		return m, nil
	}
	if c.AuthCmd != "" {
		var tok string
		if tok, err = c.command(ctx, own); err != nil {
			return m, err
		}
		switch kind {
		case api.Valid:
			m.Token = tok
		case api.Forged, api.AlgNone:
			m.Token, m.Claims, err = rewrite(tok, c.claim(), foreign.ID, kind == api.AlgNone)
		default:
			return m, fmt.Errorf("mint: --auth-cmd cannot make a %s token", kind)
		}
		return m, err
	}
	claims := jwt.MapClaims{c.claim(): own.ID, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	sign := func(method jwt.SigningMethod, key any) (string, error) {
		return jwt.NewWithClaims(method, claims).SignedString(key)
	}
	switch kind {
	case api.Valid:
		m.Token, err = sign(c.Method, c.Key)
	case api.AlgNone:
		claims[c.claim()] = foreign.ID
		m.Token, err = sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType)
	case api.WrongKey:
		claims[c.claim()] = foreign.ID
		var k any
		if k, err = c.otherKey(); err == nil {
			m.Token, err = sign(c.Method, k)
		}
	case api.Forged:
		var t string
		if t, err = sign(c.Method, c.Key); err == nil {
			m.Token, _, err = rewrite(t, c.claim(), foreign.ID, false)
		}
		claims[c.claim()] = foreign.ID
	case api.Expired:
		claims["exp"], claims["iat"] = now.Add(-time.Hour).Unix(), now.Add(-2*time.Hour).Unix()
		m.Token, err = sign(c.Method, c.Key)
	case api.NotYet:
		claims["nbf"] = now.Add(time.Hour).Unix()
		m.Token, err = sign(c.Method, c.Key)
	case api.NoExpiry:
		delete(claims, "exp")
		m.Token, err = sign(c.Method, c.Key)
	case api.NoClaim:
		delete(claims, c.claim())
		m.Token, err = sign(c.Method, c.Key)
	default:
		return m, fmt.Errorf("mint: unknown credential kind %q", kind)
	}
	if err != nil {
		return m, fmt.Errorf("mint %s token: %w", kind, err)
	}
	b, _ := json.Marshal(claims)
	m.Claims = string(b)
	return m, nil
}

// otherKey is a key of the same kind as Key that the service never saw.
func (c *Credentials) otherKey() (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wrongKey != nil {
		return c.wrongKey, nil
	}
	var err error
	switch c.Key.(type) {
	case *rsa.PrivateKey:
		c.wrongKey, err = rsa.GenerateKey(rand.Reader, 2048)
	case *ecdsa.PrivateKey:
		c.wrongKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		c.wrongKey = []byte("tenantfuzz-wrong-key-0123456789ab")
	}
	return c.wrongKey, err
}

// command runs AuthCmd for the tenant ({tenant}: its id, {slug}: its slug)
// and returns the token it prints (a leading "Bearer " is dropped). Each
// tenant's answer is kept for the run. The token is never printed; a
// failing command's error shows its exit status and first stderr line.
func (c *Credentials) command(ctx context.Context, t Tenant) (string, error) {
	c.mu.Lock()
	tok, ok := c.tokens[t.ID]
	c.mu.Unlock()
	if ok {
		return tok, nil
	}
	line := strings.NewReplacer("{tenant}", t.ID, "{slug}", t.Slug).Replace(c.AuthCmd)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(errb.String()), "\n")
		if len(first) > 200 {
			first = first[:200] + "…"
		}
		return "", fmt.Errorf("%w: --auth-cmd for tenant %s failed (%v): %s", ErrCredentials, t.ID, err, first)
	}
	tok = strings.TrimSpace(out.String())
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" || strings.ContainsAny(tok, " \n\t") {
		return "", fmt.Errorf("%w: --auth-cmd for tenant %s printed %s, want one token on one line", ErrCredentials, t.ID, map[bool]string{true: "nothing", false: "more than one word"}[tok == ""])
	}
	c.mu.Lock()
	if c.tokens == nil {
		c.tokens = map[string]string{}
	}
	c.tokens[t.ID] = tok
	c.mu.Unlock()
	return tok, nil
}

// payload decodes a JWS's claims.
func payload(tok string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var p map[string]any
	return p, json.Unmarshal(b, &p)
}

// rewrite sets the claim of a signed token to tenant: keeping header and
// signature (a forged claim), or with alg none and no signature.
func rewrite(tok, claim, tenant string, algNone bool) (string, string, error) {
	p, err := payload(tok)
	if err != nil {
		return "", "", fmt.Errorf("rewrite token: %w", err)
	}
	p[claim] = tenant
	b, err := json.Marshal(p)
	if err != nil {
		return "", "", err
	}
	parts := strings.Split(tok, ".")
	body := base64.RawURLEncoding.EncodeToString(b)
	if algNone {
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return head + "." + body + ".", string(b), nil
	}
	return parts[0] + "." + body + "." + parts[2], string(b), nil
}
