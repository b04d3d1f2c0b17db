package signing

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// WellKnownPath is where anpei serves PublishedKeys.
const WellKnownPath = "/.well-known/anpei-keys.json"

// publishedDoc is the JSON served at WellKnownPath.
type publishedDoc struct {
	Keys []publishedKey `json:"keys"`
}

// publishedKey is one public key in two standard forms: a JWK (RFC 8037) and
// a Multikey verification method (W3C Controlled Identifiers), whose id is
// what a Data Integrity proof's verificationMethod names.
type publishedKey struct {
	ID                 string `json:"id,omitempty"`
	Type               string `json:"type"`
	Controller         string `json:"controller,omitempty"`
	KID                string `json:"kid"`
	Created            string `json:"created"`
	Current            bool   `json:"current"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
	JWK                jwk    `json:"publicKeyJwk"`
}

type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	KID string `json:"kid,omitempty"`
}

// PublishedKeys returns the JSON served at GET /.well-known/anpei-keys.json:
// every public key, oldest first, with its ID, creation time, whether it is
// current, its JWK and its Multikey form. base is the site's origin, such as
// "https://anpei.example.cn"; when set, each key carries the id
// VerificationMethod(base, kid) and base as its controller. No private
// material is included. It returns no error.
func (r *Keyring) PublishedKeys(base string) []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	doc := publishedDoc{Keys: []publishedKey{}}
	for _, k := range sortedKeys(r.keys) {
		pub := k.public()
		pk := publishedKey{
			Type:               "Multikey",
			KID:                k.kid,
			Created:            k.created.Format(time.RFC3339),
			Current:            k.kid == r.current,
			PublicKeyMultibase: multikey(pub),
			JWK:                jwk{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), KID: k.kid},
		}
		if base != "" {
			pk.ID = VerificationMethod(base, k.kid)
			pk.Controller = strings.TrimRight(base, "/")
		}
		doc.Keys = append(doc.Keys, pk)
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // strings and bools only: cannot fail
	}
	return append(data, '\n')
}

// PublicKeys is a verify-only key set built from a published document by
// LoadPublic, for a third party verifying certificates offline.
type PublicKeys struct {
	keys    map[string]ed25519.PublicKey
	ids     []string
	current string
}

// LoadPublic builds a verify-only key set from the JSON that PublishedKeys
// returns. Every key is checked: its JWK and Multikey forms must be the same
// Ed25519 key and its kid must be KeyID of that key. It returns an error
// starting "signing:" for a document that is not such JSON, has no keys,
// repeats a kid, or has a key failing those checks.
func LoadPublic(jsonDoc []byte) (*PublicKeys, error) {
	var doc publishedDoc
	if err := json.Unmarshal(jsonDoc, &doc); err != nil {
		return nil, fmt.Errorf("signing: published keys: malformed JSON: %w", err)
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New("signing: published keys: no keys")
	}
	s := &PublicKeys{keys: make(map[string]ed25519.PublicKey, len(doc.Keys))}
	for i, pk := range doc.Keys {
		pub, err := checkPublished(pk)
		if err != nil {
			return nil, fmt.Errorf("signing: published keys: keys[%d]: %w", i, err)
		}
		if _, dup := s.keys[pk.KID]; dup {
			return nil, fmt.Errorf("signing: published keys: keys[%d]: kid %s appears twice", i, pk.KID)
		}
		s.keys[pk.KID] = pub
		s.ids = append(s.ids, pk.KID)
		if pk.Current {
			s.current = pk.KID
		}
	}
	return s, nil
}

func checkPublished(pk publishedKey) (ed25519.PublicKey, error) {
	if pk.JWK.Kty != "OKP" || pk.JWK.Crv != "Ed25519" {
		return nil, fmt.Errorf("publicKeyJwk is kty %q crv %q, want OKP Ed25519", pk.JWK.Kty, pk.JWK.Crv)
	}
	x, err := base64.RawURLEncoding.Strict().DecodeString(pk.JWK.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("publicKeyJwk.x is not %d bytes of unpadded base64url", ed25519.PublicKeySize)
	}
	mk, err := parseMultikey(pk.PublicKeyMultibase)
	if err != nil {
		return nil, fmt.Errorf("publicKeyMultibase: %w", err)
	}
	if !mk.Equal(ed25519.PublicKey(x)) {
		return nil, errors.New("publicKeyJwk and publicKeyMultibase are different keys")
	}
	if want := KeyID(mk); pk.KID != want {
		return nil, fmt.Errorf("kid %q does not match the key (want %s)", pk.KID, want)
	}
	return mk, nil
}

// PublicKey returns the key with the given ID.
func (s *PublicKeys) PublicKey(kid string) (ed25519.PublicKey, bool) {
	k, ok := s.keys[kid]
	return k, ok
}

// KeyIDs returns the key IDs in the published order (oldest first).
func (s *PublicKeys) KeyIDs() []string { return slices.Clone(s.ids) }

// Current returns the ID of the key marked current, or "" if none is.
func (s *PublicKeys) Current() string { return s.current }
