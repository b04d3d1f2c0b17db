package signing

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/mr-tron/base58"
)

// ed25519PubPrefix is the multicodec code of an Ed25519 public key (0xed) as
// an unsigned varint, which a Multikey puts before the 32 key bytes.
var ed25519PubPrefix = []byte{0xed, 0x01}

// multikey encodes pub as a Multikey publicKeyMultibase: "z" (base58btc)
// followed by base58btc of 0xed 0x01 and the key.
func multikey(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append(bytes.Clone(ed25519PubPrefix), pub...))
}

// parseMultikey decodes a publicKeyMultibase made by multikey.
func parseMultikey(s string) (ed25519.PublicKey, error) {
	raw, err := decodeBase58btc(s)
	if err != nil {
		return nil, err
	}
	if len(raw) != len(ed25519PubPrefix)+ed25519.PublicKeySize || !bytes.HasPrefix(raw, ed25519PubPrefix) {
		return nil, errors.New("not an Ed25519 Multikey")
	}
	return ed25519.PublicKey(raw[len(ed25519PubPrefix):]), nil
}

// decodeBase58btc decodes a multibase string in base58btc ("z" prefix).
func decodeBase58btc(s string) ([]byte, error) {
	if len(s) < 2 || s[0] != 'z' {
		return nil, errors.New(`multibase value does not start with "z" (base58btc)`)
	}
	raw, err := base58.Decode(s[1:])
	if err != nil {
		return nil, fmt.Errorf("multibase value is not base58btc: %w", err)
	}
	return raw, nil
}
