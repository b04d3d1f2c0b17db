package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// A token is "v1." + base64url(payload) + "." + base64url(signature), all
// base64url unpadded. The Ed25519 signature covers the exact ASCII bytes
// "v1.<payload>", and the payload names the key that signed, so the key ID
// is itself signed.
const (
	tokenVersion = "v1"
	// maxTokenLen bounds what Verify will parse; real tokens are about 400
	// characters.
	maxTokenLen = 2048
	dateLayout  = "2006-01-02"
)

// payload is Claims on the wire. Single-letter names keep the QR code small:
//
//	n number      k kind         t kind name   h holder     l ID last 4
//	s ID salt     x ID hash      i issued on   u valid until
//	o issuer      kid key ID
//
// Empty optional fields are left out.
type payload struct {
	Number     string `json:"n"`
	Kind       string `json:"k"`
	KindName   string `json:"t,omitempty"`
	Holder     string `json:"h,omitempty"`
	IDLast4    string `json:"l,omitempty"`
	IDSalt     string `json:"s,omitempty"`
	IDHash     string `json:"x,omitempty"`
	IssuedOn   string `json:"i"`
	ValidUntil string `json:"u,omitempty"`
	Issuer     string `json:"o"`
	KeyID      string `json:"kid"`
}

// KeySource finds a public key by its ID. *Keyring and the *PublicKeys from
// LoadPublic both satisfy it.
type KeySource interface {
	PublicKey(kid string) (ed25519.PublicKey, bool)
}

// Sign returns the QR token for c, signed with k's current key; c.KeyID is
// ignored and the token records that key instead. It returns an error
// starting "signing:" when c lacks its number, kind, issue date or issuer,
// when a date is not "2006-01-02" or ValidUntil is before IssuedOn, when only
// one of IDSalt and IDHash is set, or when a field is not valid UTF-8.
func Sign(k *Keyring, c Claims) (string, error) {
	kid, signer := k.CurrentSigner()
	c.KeyID = kid
	if err := checkClaims(c); err != nil {
		return "", fmt.Errorf("signing: claims: %w", err)
	}
	body, err := json.Marshal(payload(c))
	if err != nil {
		return "", fmt.Errorf("signing: claims: %w", err)
	}
	signed := tokenVersion + "." + base64.RawURLEncoding.EncodeToString(body)
	sig, err := signer.Sign(nil, []byte(signed), noHash)
	if err != nil {
		return "", fmt.Errorf("signing: sign token: %w", err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verify checks token and returns its claims. The key is looked up in keys by
// the ID inside the signed payload. It returns an error matching
// ErrMalformed (not a token, or over 2048 characters), ErrUnsupportedVersion
// (a version other than v1), ErrUnknownKey (keys has no such key) or
// ErrBadSignature (the content or the key ID was changed). It never panics.
//
// Verify does not look at dates: whether the certificate has expired or been
// revoked is for the caller to decide.
func Verify(token string, keys KeySource) (Claims, error) {
	if len(token) > maxTokenLen {
		return Claims{}, refuse(ErrMalformed, fmt.Errorf("token is %d bytes, over %d", len(token), maxTokenLen))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, refuse(ErrMalformed, fmt.Errorf("token has %d parts, want 3", len(parts)))
	}
	if parts[0] != tokenVersion {
		if isVersion(parts[0]) {
			return Claims{}, refuse(ErrUnsupportedVersion, fmt.Errorf("token version %q", parts[0]))
		}
		return Claims{}, refuse(ErrMalformed, errors.New("token has no version prefix"))
	}
	body, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return Claims{}, refuse(ErrMalformed, fmt.Errorf("payload: %w", err))
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Claims{}, refuse(ErrMalformed, errors.New("signature is not 64 bytes of unpadded base64url"))
	}
	p, err := decodePayload(body)
	if err != nil {
		return Claims{}, refuse(ErrMalformed, err)
	}
	pub, ok := keys.PublicKey(p.KeyID)
	if !ok {
		return Claims{}, refuse(ErrUnknownKey, fmt.Errorf("key %q", p.KeyID))
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return Claims{}, refuse(ErrBadSignature, fmt.Errorf("token signature does not verify with key %s", p.KeyID))
	}
	c := Claims(p)
	if err := checkClaims(c); err != nil {
		return Claims{}, refuse(ErrMalformed, err) // signed, but not by Sign
	}
	return c, nil
}

// decodePayload parses a payload strictly: one JSON object, no unknown
// fields, and a key ID present.
func decodePayload(body []byte) (payload, error) {
	var p payload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return payload{}, fmt.Errorf("payload: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return payload{}, errors.New("payload: data after the object")
	}
	if p.KeyID == "" {
		return payload{}, errors.New("payload: no key ID")
	}
	return p, nil
}

func checkClaims(c Claims) error {
	for _, f := range []struct{ name, v string }{
		{"number", c.Number}, {"kind", c.Kind}, {"issued-on date", c.IssuedOn}, {"issuer", c.Issuer},
	} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("%s is empty", f.name)
		}
	}
	for _, v := range []string{c.Number, c.Kind, c.KindName, c.Holder, c.IDLast4, c.IDSalt, c.IDHash, c.Issuer} {
		if !utf8.ValidString(v) {
			return errors.New("a field is not valid UTF-8")
		}
	}
	issued, err := time.Parse(dateLayout, c.IssuedOn)
	if err != nil {
		return fmt.Errorf("issued-on date %q is not YYYY-MM-DD", c.IssuedOn)
	}
	if c.ValidUntil != "" {
		until, err := time.Parse(dateLayout, c.ValidUntil)
		if err != nil {
			return fmt.Errorf("valid-until date %q is not YYYY-MM-DD", c.ValidUntil)
		}
		if until.Before(issued) {
			return fmt.Errorf("valid-until date %s is before issued-on date %s", c.ValidUntil, c.IssuedOn)
		}
	}
	if (c.IDSalt == "") != (c.IDHash == "") {
		return errors.New("ID salt and ID hash must be set together")
	}
	return nil
}

// isVersion reports whether s looks like a version prefix: "v" and digits.
func isVersion(s string) bool {
	if len(s) < 2 || len(s) > 4 || s[0] != 'v' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
