package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// sealLabel is the associated data of every seal: a value sealed here cannot
// be passed off as a ciphertext of another purpose that shares the keys.
const sealLabel = "anpei-pii"

// sealEncoding decodes strictly so that any change to a stored string, even in
// the padding bits, is rejected rather than silently ignored.
var sealEncoding = base64.StdEncoding.Strict()

// Seal encrypts plain with the current key version and returns
// "v<version>:<base64(nonce|ciphertext)>". Every call draws a fresh random
// nonce, so sealing the same value twice gives different strings; look values
// up by Hash, not by sealed string. The only error is for a Keyring that holds
// no keys (the zero value).
func (k *Keyring) Seal(plain string) (string, error) {
	s, err := k.load()
	if err != nil {
		return "", err
	}
	key := s.keys[s.current]
	sealed := key.aead.Seal(nil, nil, []byte(plain), []byte(sealLabel))
	return "v" + strconv.Itoa(key.version) + ":" + sealEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value made by Seal with the key version named in its prefix.
// It returns ErrUnknownKeyVersion (wrapped, with the version) when this Keyring
// lacks that version, ErrCorrupt when the value is malformed or fails
// authentication, and an error for a Keyring that holds no keys.
func (k *Keyring) Open(sealed string) (string, error) {
	s, err := k.load()
	if err != nil {
		return "", err
	}
	version, payload, ok := parseSealed(sealed)
	if !ok {
		return "", ErrCorrupt
	}
	key, ok := s.keys[version]
	if !ok {
		return "", fmt.Errorf("%w v%d", ErrUnknownKeyVersion, version)
	}
	data, err := sealEncoding.DecodeString(payload)
	if err != nil {
		return "", ErrCorrupt
	}
	plain, err := key.aead.Open(nil, nil, data, []byte(sealLabel))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}

// NeedsReseal reports whether sealed names a key version other than the
// current one, so the rotate command should Open and Seal it again. A version
// this Keyring does not hold also counts: Open then reports
// ErrUnknownKeyVersion, which the command should surface rather than skip.
// Values not in the sealed format report false (Open gives ErrCorrupt), as
// does every value for a Keyring with no keys.
func (k *Keyring) NeedsReseal(sealed string) bool {
	s, err := k.load()
	if err != nil {
		return false
	}
	version, _, ok := parseSealed(sealed)
	return ok && version != s.current
}

// Hash returns the hex HMAC-SHA256 of normalized, for exact lookups of a value
// stored sealed; callers normalise first (package ident does for ID numbers).
//
// The HMAC key is keyed, not a bare SHA-256, because ID numbers are so
// structured that an unkeyed hash is reversed by enumeration in minutes.
// Rotate never changes it: every stored lookup hash would otherwise change at
// once, and until all rows were rehashed, lookups would silently miss. AES
// rotation can proceed row by row because each value names its version; a
// hash cannot. Replacing the HMAC key (after a compromise) is a separate
// migration that recomputes every hash from the opened values.
//
// Hash panics on a Keyring with no keys: returning any fixed string there
// would make unrelated lookups match one another.
func (k *Keyring) Hash(normalized string) string {
	s, err := k.load()
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, s.hmacKey)
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil))
}

// parseSealed splits "v<version>:<payload>". The version must be written in
// canonical form ("v1", not "v01" or "v+1") so each sealed value has a single
// spelling.
func parseSealed(sealed string) (version int, payload string, ok bool) {
	rest, ok := strings.CutPrefix(sealed, "v")
	if !ok {
		return 0, "", false
	}
	num, payload, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", false
	}
	version, err := strconv.Atoi(num)
	if err != nil || version < 1 || strconv.Itoa(version) != num {
		return 0, "", false
	}
	return version, payload, true
}
