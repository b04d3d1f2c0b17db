package signing

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadOrCreateFirstUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cert-keys")
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	kid := k.Current()
	if len(kid) != 11 || kid[0] != 'k' {
		t.Errorf("Current = %q, want k + 10 characters", kid)
	}
	assertMode(t, keyPath(dir, kid), 0o600)
	if got := k.KeyIDs(); !slices.Equal(got, []string{kid}) {
		t.Errorf("KeyIDs = %v, want [%s]", got, kid)
	}
	pub, ok := k.PublicKey(kid)
	if !ok || KeyID(pub) != kid {
		t.Fatalf("PublicKey(%s) = %x, %v", kid, pub, ok)
	}
	gotKID, sig := k.Sign([]byte("msg"))
	if gotKID != kid || !ed25519.Verify(pub, []byte("msg"), sig) {
		t.Errorf("Sign: kid %s, signature does not verify", gotKID)
	}
	if _, ok := k.PublicKey("knotakey00"); ok {
		t.Error("PublicKey(unknown) found a key")
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

func TestLoadOrCreatePersists(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if first.Current() != second.Current() || !slices.Equal(first.KeyIDs(), second.KeyIDs()) {
		t.Fatalf("second load: current %s keys %v; first: current %s keys %v",
			second.Current(), second.KeyIDs(), first.Current(), first.KeyIDs())
	}
	kid, sig := first.Sign([]byte("msg"))
	pub, _ := second.PublicKey(kid)
	if !ed25519.Verify(pub, []byte("msg"), sig) {
		t.Error("a signature from the first load does not verify with the second")
	}
}

func TestRotatePersistsAndKeepsOldKeys(t *testing.T) {
	dir := t.TempDir()
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := k.Current()
	at := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	second, err := k.Rotate(at)
	if err != nil {
		t.Fatal(err)
	}
	third, err := k.Rotate(at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if k.Current() != third {
		t.Errorf("Current = %s, want %s", k.Current(), third)
	}
	want := []string{first, second, third}
	if got := k.KeyIDs(); !slices.Equal(got, want) {
		t.Errorf("KeyIDs = %v, want oldest first %v", got, want)
	}
	reloaded, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.Current() != third || !slices.Equal(reloaded.KeyIDs(), want) {
		t.Errorf("reloaded: current %s keys %v; want %s %v", reloaded.Current(), reloaded.KeyIDs(), third, want)
	}
	assertMode(t, keyPath(dir, second), 0o600)
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// TestLoadOrCreateKeysWithoutCurrent covers a crash between writing the
// first key and the current file: the newest key becomes current.
func TestLoadOrCreateKeysWithoutCurrent(t *testing.T) {
	dir := t.TempDir()
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := k.Rotate(time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(currentPath(dir)); err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Current() != newer || len(again.KeyIDs()) != 2 {
		t.Errorf("Current = %s keys %v; want %s and both keys", again.Current(), again.KeyIDs(), newer)
	}
}

func TestLoadOrCreateDamaged(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, dir, kid string)
		wantIn  string // the file the error must name
		wantMsg string
	}{
		{"key file not JSON", func(t *testing.T, dir, kid string) {
			write(t, keyPath(dir, kid), "{not json")
		}, "key-", "malformed JSON"},
		{"key file truncated", func(t *testing.T, dir, kid string) {
			write(t, keyPath(dir, kid), "")
		}, "key-", "malformed JSON"},
		{"unknown field", func(t *testing.T, dir, kid string) {
			edit(t, keyPath(dir, kid), `"kid"`, `"extra":1,"kid"`)
		}, "key-", "malformed JSON"},
		{"private key not base64", func(t *testing.T, dir, kid string) {
			edit(t, keyPath(dir, kid), `"private_key": "`, `"private_key": "!!`)
		}, "key-", "private_key"},
		{"kid does not match key", func(t *testing.T, dir, kid string) {
			edit(t, keyPath(dir, kid), kid, "kaaaaaaaaaa")
		}, "key-", "does not match"},
		{"file name does not match key", func(t *testing.T, dir, kid string) {
			if err := os.Rename(keyPath(dir, kid), keyPath(dir, "kaaaaaaaaaa")); err != nil {
				t.Fatal(err)
			}
		}, "key-kaaaaaaaaaa.json", "disagree"},
		{"bad created", func(t *testing.T, dir, kid string) {
			edit(t, keyPath(dir, kid), `"created": "`, `"created": "x`)
		}, "key-", "RFC 3339"},
		{"current names missing key", func(t *testing.T, dir, kid string) {
			write(t, currentPath(dir), "kaaaaaaaaaa\n")
		}, "current", "no key file"},
		{"current empty", func(t *testing.T, dir, kid string) {
			write(t, currentPath(dir), "\n")
		}, "current", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			k, err := LoadOrCreate(dir)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir, k.Current())
			_, err = LoadOrCreate(dir)
			if err == nil {
				t.Fatal("LoadOrCreate on a damaged directory succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "signing: ") || !strings.Contains(msg, dir) ||
				!strings.Contains(msg, tt.wantIn) || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error %q: want it to start with \"signing: \", name a file in %s (%s) and say %q", msg, dir, tt.wantIn, tt.wantMsg)
			}
			if strings.Contains(msg, "private_key\": \"") {
				t.Errorf("error quotes the key file: %q", msg)
			}
		})
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	write(t, path, strings.Replace(string(data), old, new, 1))
}

func TestLoadOrCreateEmptyDir(t *testing.T) {
	if _, err := LoadOrCreate(""); err == nil || !strings.HasPrefix(err.Error(), "signing: ") {
		t.Errorf("LoadOrCreate(\"\") error = %v", err)
	}
}

// TestKeyringConcurrentUse is for the race detector: signing and reading
// while another goroutine rotates.
func TestKeyringConcurrentUse(t *testing.T) {
	k := newKeyring(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			if _, err := k.Rotate(time.Now()); err != nil {
				t.Error(err)
			}
		}
	}()
	for range 50 {
		tok, err := Sign(k, typicalClaims())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(tok, k); err != nil {
			t.Fatal(err)
		}
		k.PublishedKeys("")
	}
	<-done
}

func TestKeyIDIsStable(t *testing.T) {
	// The W3C vector's key (testdata/eddsa-jcs-2022/keypair.json).
	pub, err := parseMultikey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
	if err != nil {
		t.Fatal(err)
	}
	// echo -n b00d8d…810f | xxd -r -p | openssl sha256 -binary | base32, lower-cased.
	const want = "khorizpo3pq"
	if got := KeyID(pub); got != want {
		t.Errorf("KeyID = %s, want %s", got, want)
	}
}
