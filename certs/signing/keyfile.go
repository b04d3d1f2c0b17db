package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The key directory holds one file per key, key-<kid>.json (mode 0600), and
// a file named current holding the ID of the key that signs. Keys are never
// rewritten, so two processes rotating at once cannot lose each other's key.
const (
	keyFilePrefix   = "key-"
	keyFileSuffix   = ".json"
	currentFileName = "current"
)

// keyFile is the on-disk form of one key. PrivateKey is the 32-byte Ed25519
// seed in unpadded base64url.
type keyFile struct {
	KID        string `json:"kid"`
	Created    string `json:"created"`
	PrivateKey string `json:"private_key"`
}

func keyPath(dir, kid string) string { return filepath.Join(dir, keyFilePrefix+kid+keyFileSuffix) }

func currentPath(dir string) string { return filepath.Join(dir, currentFileName) }

// readKeys reads every key file in dir. Other files are ignored, including
// the temporary files of an interrupted write.
func readKeys(dir string) (map[string]*signingKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signing: read key directory: %w", err)
	}
	keys := make(map[string]*signingKey)
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, keyFilePrefix) || !strings.HasSuffix(name, keyFileSuffix) {
			continue
		}
		path := filepath.Join(dir, name)
		k, err := readKeyFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the listing: another process's unused key (initCurrent)
		}
		if err != nil {
			return nil, fmt.Errorf("signing: key file %s: %w", path, err)
		}
		if keyPath(dir, k.kid) != path {
			return nil, fmt.Errorf("signing: key file %s holds key %s; the file name and the key disagree", path, k.kid)
		}
		keys[k.kid] = k
	}
	return keys, nil
}

// readKeyFile parses and checks one key file. Its errors name the faulty
// field but never quote the key.
func readKeyFile(path string) (*signingKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return nil, errors.New("malformed JSON: data after the object")
	}
	seed, err := base64.RawURLEncoding.Strict().DecodeString(f.PrivateKey)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("private_key is not %d bytes of unpadded base64url", ed25519.SeedSize)
	}
	created, err := time.Parse(time.RFC3339, f.Created)
	if err != nil {
		return nil, fmt.Errorf("created %q is not RFC 3339", f.Created)
	}
	k := &signingKey{created: created.UTC(), priv: ed25519.NewKeyFromSeed(seed)}
	k.kid = KeyID(k.public())
	if f.KID != k.kid {
		return nil, fmt.Errorf("kid %q does not match the key (want %s)", f.KID, k.kid)
	}
	return k, nil
}

// readCurrent returns the key ID in dir's current file; a missing file gives
// an error matching fs.ErrNotExist.
func readCurrent(dir string) (string, error) {
	path := currentPath(dir)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("signing: read %s: %w", path, err)
	}
	kid := strings.TrimSpace(string(data))
	if kid == "" {
		return "", fmt.Errorf("signing: %s is empty", path)
	}
	return kid, nil
}

func writeKeyFile(dir string, k *signingKey) error {
	data, err := json.MarshalIndent(keyFile{
		KID:        k.kid,
		Created:    k.created.Format(time.RFC3339),
		PrivateKey: base64.RawURLEncoding.EncodeToString(k.priv.Seed()),
	}, "", "  ")
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	if err := writeAtomic(dir, keyPath(dir, k.kid), append(data, '\n'), false); err != nil {
		return fmt.Errorf("signing: write key file: %w", err)
	}
	return nil
}

// writeCurrent points the current file at kid. Without replace it fails
// with an error matching fs.ErrExist when the file is already there.
func writeCurrent(dir, kid string, replace bool) error {
	err := writeAtomic(dir, currentPath(dir), []byte(kid+"\n"), replace)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("signing: write %s: %w", currentPath(dir), err)
	}
	return err
}

// writeAtomic writes data to a temporary file in dir (mode 0600), syncs it,
// then moves it to path: by rename when replace is set, otherwise by hard
// link, which fails with fs.ErrExist if path exists. Either way path is never
// seen half written, and dir is synced so the new name survives a crash.
func writeAtomic(dir, path string, data []byte, replace bool) (err error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil || !replace {
			os.Remove(tmpName) // after a link, path keeps its own name
		}
	}()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmpName, path)
	} else {
		err = os.Link(tmpName, path)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
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
