package api

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
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

// Keys are a run's signing keys: an HS256 secret and an RS256 key pair,
// generated per run, never printed.
type Keys struct {
	HS256 []byte
	RS256 *rsa.PrivateKey
}

// NewKeys generates a run's keys (a 32-byte HS256 secret, a 2048-bit RSA
// key).
func NewKeys() (Keys, error) {
	hs, err := NewKey()
	if err != nil {
		return Keys{}, err
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return Keys{}, fmt.Errorf("generate RS256 key: %w", err)
	}
	return Keys{HS256: hs, RS256: rs}, nil
}

// Public is the RS256 public key the service verifies with (nil without
// an RS256 key).
func (k Keys) Public() *rsa.PublicKey {
	if k.RS256 == nil {
		return nil
	}
	return &k.RS256.PublicKey
}

// publicPEM is the RS256 public key as a PEM block: what an alg-confusion
// attacker signs HS256 tokens with (it is public).
func (k Keys) publicPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// DeletedTenant is the tenant a Deleted credential names: a well-formed id
// no tenants row holds (the row was deleted, its data with it).
const DeletedTenant = "7e4a0000-0000-4000-8000-0000000dea10"

// Credential is how a request authenticates: a token kind and the tenant
// its claim names.
type Credential string

// Credentials a request may carry. Valid is the tenant's genuine token;
// every other kind is hostile and must be refused with 401.
const (
	Valid    Credential = "valid"
	ValidRS  Credential = "valid-rs256" // the tenant's genuine token, RS256
	None     Credential = "none"        // no Authorization header
	Garbage  Credential = "garbage"     // not a JWT
	AlgNone  Credential = "alg-none"    // unsigned, alg none, claiming another tenant
	WrongKey Credential = "wrong-key"   // HS256 with another key, claiming another tenant
	Forged   Credential = "forged"      // the tenant's own token with its claim rewritten to another tenant (signature kept)
	Expired  Credential = "expired"     // the tenant's own claim, signed, expired an hour ago
	NotYet   Credential = "not-yet"     // the tenant's own claim, signed, valid only from an hour from now
	NoExpiry Credential = "no-expiry"   // the tenant's own claim, signed, without exp
	NoClaim  Credential = "no-claim"    // signed, valid, without tenant_id
	// AlgConfusion: HS256 signed with the RS256 public key (which is
	// public), claiming another tenant: only a verifier that lets the
	// token's alg pick how the key is used accepts it.
	AlgConfusion Credential = "alg-confusion"
	// Deleted: signed with the run's key, valid, claiming a tenant that no
	// longer exists (DeletedTenant).
	Deleted Credential = "deleted-tenant"
)

// Genuine reports whether the credential is a tenant's valid token (any
// algorithm): every other kind must be refused with 401.
func (c Credential) Genuine() bool { return c == Valid || c == ValidRS }

// SignedWithRunKey reports whether tokens of this kind carry a signature
// made with the run's key (they are never printed).
func (c Credential) SignedWithRunKey() bool {
	switch c {
	case None, Garbage, AlgNone, WrongKey, AlgConfusion:
		return false
	}
	return true
}

// HostileCredentials are the hostile kinds the property draws.
// rapid favours the first elements: the ones only one defect accepts come
// first.
var HostileCredentials = []Credential{AlgConfusion, Deleted, Expired, AlgNone, Forged, WrongKey, NotYet, NoExpiry, NoClaim, None, Garbage}

// Minted is a token as sent, with what it claims (for the evidence).
type Minted struct {
	Kind   Credential
	Token  string // "" for None
	Claims string // the claims as JSON, for the evidence
}

// Mint makes an HS256 credential of kind for the tenant own, naming
// foreign where the kind claims another tenant. key is the service's
// HS256 key. Kinds that need the RS256 key (ValidRS, AlgConfusion) need
// Keys.Mint.
func Mint(key []byte, kind Credential, own, foreign string, now time.Time) (Minted, error) {
	return Keys{HS256: key}.Mint(kind, own, foreign, now)
}

// Mint makes a credential of kind for the tenant own, naming foreign where
// the kind claims another tenant, with the run's keys.
func (keys Keys) Mint(kind Credential, own, foreign string, now time.Time) (Minted, error) {
	key := keys.HS256
	claims := jwt.MapClaims{ClaimTenant: own, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	m := Minted{Kind: kind}
	sign := func(k []byte) (string, error) {
		return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(k)
	}
	needRS := func() error {
		if keys.RS256 == nil {
			return fmt.Errorf("no RS256 key")
		}
		return nil
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
	case ValidRS:
		if err = needRS(); err == nil {
			m.Token, err = jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(keys.RS256)
		}
	case AlgConfusion:
		claims[ClaimTenant] = foreign
		var pub []byte
		if err = needRS(); err == nil {
			if pub, err = keys.publicPEM(); err == nil {
				m.Token, err = sign(pub)
			}
		}
	case Deleted:
		claims[ClaimTenant] = DeletedTenant
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
