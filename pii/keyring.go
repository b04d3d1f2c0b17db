package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// keySize is the length of every key: AES-256 and the HMAC-SHA256 key alike.
const keySize = 32

var (
	// ErrUnknownKeyVersion is returned by Open when a sealed value names a key
	// version this Keyring does not hold.
	ErrUnknownKeyVersion = errors.New("pii: unknown key version")

	// ErrCorrupt is returned by Open when a sealed value is not in the sealed
	// format or fails authentication: it was truncated, altered, sealed by
	// another keyring, or sealed for another purpose.
	ErrCorrupt = errors.New("pii: sealed value is corrupt or has been tampered with")

	errNoKeys = errors.New("pii: keyring has no keys (use LoadOrCreate or FromSecret)")
)

// Keyring holds the versioned AES-256 keys and the single HMAC key that
// protect full ID numbers. Build one with LoadOrCreate or FromSecret; the zero
// value holds no keys. A Keyring is safe for concurrent use and must not be
// copied after first use.
//
// The key material sits behind an atomic pointer, so even a Keyring printed
// through reflection (a struct holding one, formatted with %+v) shows an
// address and never key bytes; String, GoString and LogValue cover the
// ordinary paths.
type Keyring struct {
	rotating sync.Mutex // serialises Rotate so two rotations cannot pick the same version
	state    atomic.Pointer[keyState]
}

// keyState is immutable once stored in a Keyring: Rotate builds a new one and
// swaps it in, so Seal and Open read a consistent set of keys without locking.
type keyState struct {
	hmacKey    []byte
	keys       map[int]*aesKey
	current    int
	fromSecret bool // keys came from a setting, so there is no key file to rotate
}

// aesKey is one version of the AES key with its ready-made AEAD.
type aesKey struct {
	version   int
	key       []byte
	createdAt time.Time
	aead      cipher.AEAD
}

// FromSecret builds a Keyring from a key given as a setting: standard base64
// of 64 bytes, the first 32 the AES-256 key (version 1), the last 32 the HMAC
// key. Such a Keyring cannot be rotated. It returns an error starting "pii:"
// when the secret is not valid base64 or does not decode to 64 bytes; the
// error never repeats the secret.
func FromSecret(secret string) (*Keyring, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret))
	if err != nil {
		return nil, errors.New("pii: secret is not valid standard base64")
	}
	if len(raw) != 2*keySize {
		return nil, fmt.Errorf("pii: secret decodes to %d bytes, want %d (%d AES + %d HMAC)",
			len(raw), 2*keySize, keySize, keySize)
	}
	key, err := newAESKey(1, raw[:keySize], time.Time{})
	if err != nil {
		return nil, err
	}
	k := &Keyring{}
	k.state.Store(&keyState{
		hmacKey:    raw[keySize:],
		keys:       map[int]*aesKey{1: key},
		current:    1,
		fromSecret: true,
	})
	return k, nil
}

// Current returns the key version that Seal uses, or 0 for a Keyring with no
// keys.
func (k *Keyring) Current() int {
	s, err := k.load()
	if err != nil {
		return 0
	}
	return s.current
}

// String returns "pii.Keyring{versions:N}" and never any key material.
func (k *Keyring) String() string {
	n := 0
	if s, err := k.load(); err == nil {
		n = len(s.keys)
	}
	return fmt.Sprintf("pii.Keyring{versions:%d}", n)
}

// GoString is String, so %#v shows no key material either.
func (k *Keyring) GoString() string { return k.String() }

// LogValue makes slog log String instead of the Keyring's fields.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }

// load returns the current key state, or errNoKeys for a nil or zero Keyring.
func (k *Keyring) load() (*keyState, error) {
	if k == nil {
		return nil, errNoKeys
	}
	s := k.state.Load()
	if s == nil {
		return nil, errNoKeys
	}
	return s, nil
}

// newAESKey checks the key length and prepares its AEAD. GCM with a random
// 96-bit nonce per message is safe for far more seals than one key version
// will ever see here.
func newAESKey(version int, key []byte, createdAt time.Time) (*aesKey, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("pii: key version %d is %d bytes, want %d", version, len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("pii: key version %d: %w", version, err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("pii: key version %d: %w", version, err)
	}
	return &aesKey{version: version, key: key, createdAt: createdAt, aead: aead}, nil
}

// randomKey returns a fresh key. crypto/rand.Read does not fail on supported
// platforms (it crashes the program rather than return weak bytes).
func randomKey() []byte {
	b := make([]byte, keySize)
	rand.Read(b)
	return b
}
