package signing

import (
	"cmp"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Keyring holds the Ed25519 keys anpei signs certificates with. One key is
// current and signs; older keys stay so that what they signed still
// verifies. A Keyring is safe for concurrent use.
type Keyring struct {
	dir string

	mu      sync.RWMutex // guards keys and current
	keys    map[string]*signingKey
	current string
}

// signingKey is one key pair with its ID and creation time.
type signingKey struct {
	kid     string
	created time.Time
	priv    ed25519.PrivateKey
}

func (k *signingKey) public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// LoadOrCreate loads the keyring kept in dir (for example <data>/cert-keys).
// On first use it creates dir with mode 0700 and one key. If two processes
// start on an empty dir at once, both keys are kept and the one whose
// "current" file lands first becomes current.
//
// It returns an error starting "signing:" when dir is empty, cannot be
// created or read, or when a key file or the current file is damaged; the
// error names the file.
func LoadOrCreate(dir string) (*Keyring, error) {
	if dir == "" {
		return nil, errors.New("signing: key directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("signing: create key directory: %w", err)
	}
	// The current file first, then the keys: a key file is written before
	// any current file names it, so keys read after the name hold its key
	// (read before, they could miss a key another process has just made
	// current).
	var keys map[string]*signingKey
	current, err := readCurrent(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		current, keys, err = initLocked(dir)
	case err == nil:
		keys, err = readKeys(dir)
	}
	if err != nil {
		return nil, err
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("signing: %s names key %q, which has no key file", currentPath(dir), current)
	}
	return &Keyring{dir: dir, keys: keys, current: current}, nil
}

// initWait is how long a process waits for another that is setting up the
// key directory before taking its lock as stale (a crash).
const initWait = 10 * time.Second

// initLocked sets up a key directory that has no current key, one process
// at a time (servers starting together on a shared directory): whoever
// creates the lock file reads the directory again and initialises it; the
// others wait for the current file and read what it chose. So no process
// ever sees a key that does not end up in the directory.
func initLocked(dir string) (string, map[string]*signingKey, error) {
	lock := filepath.Join(dir, ".init.lock")
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			defer os.Remove(lock)
			keys, err := readKeys(dir)
			if err != nil {
				return "", nil, err
			}
			if current, err := readCurrent(dir); err == nil {
				return current, keys, nil
			}
			return initCurrent(dir, keys)
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", nil, fmt.Errorf("signing: lock the key directory: %w", err)
		}
		for deadline := time.Now().Add(initWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if current, err := readCurrent(dir); err == nil {
				keys, err := readKeys(dir)
				return current, keys, err
			}
		}
		if attempt > 0 {
			return "", nil, fmt.Errorf("signing: another process holds %s and set up no key", lock)
		}
		os.Remove(lock) // stale: its holder died before writing the current key
	}
}

// initCurrent makes the newest key current in a directory that has no
// current file yet, first creating a key when there is none. Another process
// doing the same at the same moment may win; its choice is then read back.
func initCurrent(dir string, keys map[string]*signingKey) (string, map[string]*signingKey, error) {
	var created *signingKey
	if len(keys) == 0 {
		k, err := newSigningKey(time.Now())
		if err != nil {
			return "", nil, err
		}
		if err := writeKeyFile(dir, k); err != nil {
			return "", nil, err
		}
		keys, created = map[string]*signingKey{k.kid: k}, k
	}
	sorted := sortedKeys(keys)
	newest := sorted[len(sorted)-1]
	err := writeCurrent(dir, newest.kid, false)
	if errors.Is(err, fs.ErrExist) {
		// Another process made its choice first. A key this one created
		// for the empty directory never signed anything: it goes, so that
		// every process publishes the same keys.
		if created != nil {
			if err := os.Remove(keyPath(dir, created.kid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", nil, fmt.Errorf("signing: remove an unused key: %w", err)
			}
		}
		if keys, err = readKeys(dir); err != nil {
			return "", nil, err
		}
		current, err := readCurrent(dir)
		return current, keys, err
	}
	return newest.kid, keys, err
}

// Rotate creates a new key, saves it and makes it current; the old keys stay
// for verification. now is the creation time recorded for the key. Other
// processes holding a Keyring for the same directory keep signing with their
// current key until they load the directory again; what either signs
// verifies with a Keyring loaded afterwards.
//
// It returns the new key's ID, or an error starting "signing:" when the key
// or the current file cannot be written; the Keyring and the current file
// are then unchanged (a key file written before the failure stays, unused).
func (r *Keyring) Rotate(now time.Time) (kid string, err error) {
	k, err := newSigningKey(now)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := writeKeyFile(r.dir, k); err != nil {
		return "", err
	}
	if err := writeCurrent(r.dir, k.kid, true); err != nil {
		return "", err
	}
	r.keys[k.kid] = k
	r.current = k.kid
	return k.kid, nil
}

// Current returns the ID of the key that signs.
func (r *Keyring) Current() (kid string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.current
}

// Sign signs msg with the current key and returns that key's ID with the
// 64-byte signature. It returns no error.
func (r *Keyring) Sign(msg []byte) (kid string, sig []byte) {
	r.mu.RLock()
	k := r.keys[r.current]
	r.mu.RUnlock()
	return k.kid, ed25519.Sign(k.priv, msg)
}

// CurrentSigner returns the current key's ID and a crypto.Signer for that
// key alone, for AddProofJCS: the proof names the key before it is signed,
// so both must come from the same key even if Rotate runs in between. The
// signer never reveals the private key.
func (r *Keyring) CurrentSigner() (kid string, s crypto.Signer) {
	r.mu.RLock()
	k := r.keys[r.current]
	r.mu.RUnlock()
	return k.kid, keySigner{k.priv}
}

// PublicKey returns the public key with the given ID, current or not.
func (r *Keyring) PublicKey(kid string) (ed25519.PublicKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.keys[kid]
	if !ok {
		return nil, false
	}
	return k.public(), true
}

// KeyIDs returns the IDs of all keys, oldest first.
func (r *Keyring) KeyIDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var ids []string
	for _, k := range sortedKeys(r.keys) {
		ids = append(ids, k.kid)
	}
	return ids
}

// KeyID derives the short, stable ID of a public key: "k" followed by the
// first 10 characters of the lower-case base32 SHA-256 of the key (50 bits).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "k" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:10]
}

func newSigningKey(now time.Time) (*signingKey, error) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("signing: generate key: %w", err)
	}
	return &signingKey{kid: KeyID(pub), created: now.UTC().Truncate(time.Second), priv: priv}, nil
}

// sortedKeys returns the keys oldest first, ties broken by ID, so every
// listing is deterministic.
func sortedKeys(keys map[string]*signingKey) []*signingKey {
	out := make([]*signingKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *signingKey) int {
		return cmp.Or(a.created.Compare(b.created), strings.Compare(a.kid, b.kid))
	})
	return out
}

// keySigner is a crypto.Signer over one private key that does not expose it.
type keySigner struct{ priv ed25519.PrivateKey }

func (s keySigner) Public() crypto.PublicKey { return s.priv.Public() }

func (s keySigner) Sign(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.priv.Sign(rand, msg, opts)
}

// noHash tells an Ed25519 crypto.Signer to sign the message itself (pure
// Ed25519), not a digest.
const noHash = crypto.Hash(0)
