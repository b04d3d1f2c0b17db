package pii

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// KeyFileName is the name of the key file inside the directory given to
// LoadOrCreate and Rotate. It is written with mode 0600.
const KeyFileName = "pii-keys.json"

// keyFile is the on-disk form of a keyring.
type keyFile struct {
	HMACKey string         `json:"hmac_key"`
	Keys    []keyFileEntry `json:"keys"`
	Current int            `json:"current"`
}

type keyFileEntry struct {
	Version   int    `json:"version"`
	Key       string `json:"key"`
	CreatedAt string `json:"created_at"`
}

// LoadOrCreate loads the Keyring from dir/pii-keys.json. On first use it
// creates dir (mode 0700) and a new key file with random keys at version 1; if
// another process creates the file at the same moment, its keys win and are
// loaded. It returns an error starting "pii:" when dir is empty, the file
// cannot be read or written, or the file is malformed: not JSON, unknown
// fields, keys that are not base64 or not 32 bytes, no keys, a version below 1
// or repeated, a created_at that is not RFC 3339, or a current version missing
// from the keys.
func LoadOrCreate(dir string) (*Keyring, error) {
	if dir == "" {
		return nil, errors.New("pii: key directory is empty")
	}
	path := filepath.Join(dir, KeyFileName)
	s, err := readKeyFile(path)
	if err == nil {
		return newKeyring(s), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pii: create key directory: %w", err)
	}
	first, err := newAESKey(1, randomKey(), now())
	if err != nil {
		return nil, err
	}
	s = &keyState{hmacKey: randomKey(), keys: map[int]*aesKey{1: first}, current: 1}
	err = writeKeyFile(dir, encodeKeyFile(s), false)
	if errors.Is(err, fs.ErrExist) {
		// Lost a race with another process: its file may already have
		// sealed data, so use it and drop ours.
		s, err = readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return newKeyring(s), nil
}

// Rotate adds a new AES key version, makes it current and saves the keyring
// to dir/pii-keys.json atomically (temporary file, fsync, rename); old
// versions stay for Open. It returns the new version.
//
// The key file in dir is read first and its versions merged in, so a Rotate
// from a process whose Keyring was loaded before another rotation keeps that
// rotation's key instead of overwriting it. Other processes holding a Keyring
// see the new version only after they load the file again.
//
// It returns an error starting "pii:" for a Keyring with no keys, for one made
// by FromSecret (its keys live in a setting, and a version written only to a
// file would be lost on the next start), when the key file in dir is malformed
// or belongs to another keyring (a different HMAC key, or different bytes for
// the same version), and when the file cannot be written. On error the Keyring
// is unchanged.
func (k *Keyring) Rotate(dir string) (newVersion int, err error) {
	if dir == "" {
		return 0, errors.New("pii: key directory is empty")
	}
	if k == nil {
		return 0, errNoKeys
	}
	k.rotating.Lock()
	defer k.rotating.Unlock()

	s, err := k.load()
	if err != nil {
		return 0, err
	}
	if s.fromSecret {
		return 0, errors.New("pii: cannot rotate a keyring made from a secret setting; its keys live in the setting, not a key file")
	}
	path := filepath.Join(dir, KeyFileName)
	keys := maps.Clone(s.keys)
	switch disk, err := readKeyFile(path); {
	case err == nil:
		if err := mergeKeys(keys, s, disk, path); err != nil {
			return 0, err
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return 0, fmt.Errorf("pii: create key directory: %w", err)
		}
	default:
		return 0, err
	}

	next := slices.Max(slices.Collect(maps.Keys(keys))) + 1
	key, err := newAESKey(next, randomKey(), now())
	if err != nil {
		return 0, err
	}
	keys[next] = key
	ns := &keyState{hmacKey: s.hmacKey, keys: keys, current: next}
	if err := writeKeyFile(dir, encodeKeyFile(ns), true); err != nil {
		return 0, err
	}
	k.state.Store(ns)
	return next, nil
}

func newKeyring(s *keyState) *Keyring {
	k := &Keyring{}
	k.state.Store(s)
	return k
}

// mergeKeys adds to keys the versions found only on disk, after checking that
// the file belongs to the same keyring as mem.
func mergeKeys(keys map[int]*aesKey, mem, disk *keyState, path string) error {
	if !hmac.Equal(mem.hmacKey, disk.hmacKey) {
		return fmt.Errorf("pii: key file %s belongs to another keyring (its HMAC key differs)", path)
	}
	for v, dk := range disk.keys {
		mk, ok := keys[v]
		if !ok {
			keys[v] = dk
			continue
		}
		if !hmac.Equal(mk.key, dk.key) {
			return fmt.Errorf("pii: key file %s and this keyring disagree on key version %d", path, v)
		}
	}
	return nil
}

// readKeyFile reads and checks a key file. A missing file gives an error
// matching fs.ErrNotExist.
func readKeyFile(path string) (*keyState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("pii: read key file: %w", err)
	}
	s, err := decodeKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	return s, nil
}

// decodeKeyFile parses and validates a key file's contents. Its errors name
// the faulty field but never quote a key.
func decodeKeyFile(data []byte) (*keyState, error) {
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return nil, errors.New("malformed JSON: data after the object")
	}

	hmacKey, err := decodeKey("hmac_key", f.HMACKey)
	if err != nil {
		return nil, err
	}
	if len(f.Keys) == 0 {
		return nil, errors.New("no AES keys")
	}
	keys := make(map[int]*aesKey, len(f.Keys))
	for i, e := range f.Keys {
		if e.Version < 1 {
			return nil, fmt.Errorf("keys[%d]: version %d, want 1 or more", i, e.Version)
		}
		if _, dup := keys[e.Version]; dup {
			return nil, fmt.Errorf("keys[%d]: version %d appears twice", i, e.Version)
		}
		raw, err := decodeKey(fmt.Sprintf("keys[%d].key", i), e.Key)
		if err != nil {
			return nil, err
		}
		created, err := time.Parse(time.RFC3339, e.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("keys[%d].created_at %q is not RFC 3339", i, e.CreatedAt)
		}
		if keys[e.Version], err = newAESKey(e.Version, raw, created); err != nil {
			return nil, err
		}
	}
	if _, ok := keys[f.Current]; !ok {
		return nil, fmt.Errorf("current version %d is not among the keys", f.Current)
	}
	return &keyState{hmacKey: hmacKey, keys: keys, current: f.Current}, nil
}

func decodeKey(field, b64 string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%s is not valid standard base64", field)
	}
	if len(raw) != keySize {
		return nil, fmt.Errorf("%s is %d bytes, want %d", field, len(raw), keySize)
	}
	return raw, nil
}

func encodeKeyFile(s *keyState) []byte {
	f := keyFile{HMACKey: base64.StdEncoding.EncodeToString(s.hmacKey), Current: s.current}
	for _, v := range slices.Sorted(maps.Keys(s.keys)) {
		key := s.keys[v]
		f.Keys = append(f.Keys, keyFileEntry{
			Version:   v,
			Key:       base64.StdEncoding.EncodeToString(key.key),
			CreatedAt: key.createdAt.UTC().Format(time.RFC3339),
		})
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err) // strings and ints only: cannot fail
	}
	return append(data, '\n')
}

// writeKeyFile writes data to a temporary file in dir, syncs it, then moves
// it into place: by rename when replace is set, otherwise by hard link, which
// fails with an error matching fs.ErrExist if the key file already exists.
// Either way the key file is never seen half written, and the directory is
// synced so the new name survives a crash.
func writeKeyFile(dir string, data []byte, replace bool) (err error) {
	tmp, err := os.CreateTemp(dir, ".pii-keys-*.tmp") // created with mode 0600
	if err != nil {
		return fmt.Errorf("pii: write key file: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil || !replace {
			os.Remove(tmpName) // after a link the key file keeps its own name
		}
	}()
	if err = writeAndSync(tmp, data); err != nil {
		return fmt.Errorf("pii: write key file: %w", err)
	}

	path := filepath.Join(dir, KeyFileName)
	if replace {
		err = os.Rename(tmpName, path)
	} else {
		err = os.Link(tmpName, path)
	}
	if err != nil {
		return fmt.Errorf("pii: write key file: %w", err)
	}
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("pii: write key file: %w", err)
	}
	return nil
}

func writeAndSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// now is the creation time recorded for a new key, to the second as the file
// stores it.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

// Reload merges into k the key versions that another process (the `anpei
// pii rotate` command) added to the key file in dir, and adopts the file's
// current version when it is newer, so a running server opens and seals
// with the new key without a restart. It returns false when nothing
// changed, and an error for an unreadable file or one that belongs to
// another keyring. A keyring made from a secret setting has no file and
// never changes.
func (k *Keyring) Reload(dir string) (bool, error) {
	if k == nil {
		return false, errNoKeys
	}
	k.rotating.Lock()
	defer k.rotating.Unlock()
	s, err := k.load()
	if err != nil || s.fromSecret {
		return false, err
	}
	path := filepath.Join(dir, KeyFileName)
	disk, err := readKeyFile(path)
	if err != nil {
		return false, err
	}
	keys := maps.Clone(s.keys)
	if err := mergeKeys(keys, s, disk, path); err != nil {
		return false, err
	}
	current := max(s.current, disk.current)
	if len(keys) == len(s.keys) && current == s.current {
		return false, nil
	}
	k.state.Store(&keyState{hmacKey: s.hmacKey, keys: keys, current: current})
	return true, nil
}
