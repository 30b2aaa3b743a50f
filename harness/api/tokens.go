package api

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// NewKey returns a fresh 32-byte HS256 key (one per run; never printed).
func NewKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate HS256 key: %w", err)
	}
	return k, nil
}

// Credential is how a request authenticates: a token kind and the tenant
// its claim names.
type Credential string

// Credentials a request may carry. Valid is the tenant's genuine token;
// every other kind is hostile and must be refused with 401.
const (
	Valid    Credential = "valid"
	None     Credential = "none"      // no Authorization header
	Garbage  Credential = "garbage"   // not a JWT
	AlgNone  Credential = "alg-none"  // unsigned, alg none, claiming another tenant
	WrongKey Credential = "wrong-key" // HS256 with another key, claiming another tenant
	Forged   Credential = "forged"    // the tenant's own token with its claim rewritten to another tenant (signature kept)
	Expired  Credential = "expired"   // the tenant's own claim, signed, expired an hour ago
	NotYet   Credential = "not-yet"   // the tenant's own claim, signed, valid only from an hour from now
	NoExpiry Credential = "no-expiry" // the tenant's own claim, signed, without exp
	NoClaim  Credential = "no-claim"  // signed, valid, without tenant_id
)

// SignedWithRunKey reports whether tokens of this kind carry a signature
// made with the run's key (they are never printed).
func (c Credential) SignedWithRunKey() bool {
	switch c {
	case None, Garbage, AlgNone, WrongKey:
		return false
	}
	return true
}

// HostileCredentials are the hostile kinds the property draws.
var HostileCredentials = []Credential{None, Garbage, AlgNone, WrongKey, Forged, Expired, NotYet, NoExpiry, NoClaim}

// Minted is a token as sent, with what it claims (for the evidence).
type Minted struct {
	Kind   Credential
	Token  string // "" for None
	Claims string // the claims as JSON, for the evidence
}

// Mint makes a credential of kind for the tenant own, naming foreign where
// the kind claims another tenant. key is the service's key.
func Mint(key []byte, kind Credential, own, foreign string, now time.Time) (Minted, error) {
	claims := jwt.MapClaims{ClaimTenant: own, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	m := Minted{Kind: kind}
	sign := func(k []byte) (string, error) {
		return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(k)
	}
	var err error
	switch kind {
	case None:
		return m, nil
	case Garbage:
		m.Token = "not-a-jwt"
		return m, nil
	case Valid:
		m.Token, err = sign(key)
	case AlgNone:
		claims[ClaimTenant] = foreign
		m.Token, err = jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	case WrongKey:
		claims[ClaimTenant] = foreign
		m.Token, err = sign([]byte("tenantfuzz-wrong-key-0123456789ab"))
	case Forged:
		var t string
		if t, err = sign(key); err == nil {
			m.Token, err = forge(t, foreign)
		}
		claims[ClaimTenant] = foreign
	case Expired:
		claims["exp"], claims["iat"] = now.Add(-time.Hour).Unix(), now.Add(-2*time.Hour).Unix()
		m.Token, err = sign(key)
	case NotYet:
		claims["nbf"] = now.Add(time.Hour).Unix()
		m.Token, err = sign(key)
	case NoExpiry:
		delete(claims, "exp")
		m.Token, err = sign(key)
	case NoClaim:
		delete(claims, ClaimTenant)
		m.Token, err = sign(key)
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

// forge replaces the payload of a signed token by one claiming another
// tenant, keeping header and signature: only a service that skips the
// signature accepts it.
func forge(token, tenant string) (string, error) {
	parts := splitDots(token)
	if len(parts) != 3 {
		return "", fmt.Errorf("forge: not a JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", err
	}
	c[ClaimTenant] = tenant
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2], nil
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
