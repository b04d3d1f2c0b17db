package pii

import (
	"testing"
)

// newTestKeyring returns a Keyring with a fresh key file in a temporary
// directory, and that directory.
func newTestKeyring(t *testing.T) (*Keyring, string) {
	t.Helper()
	dir := t.TempDir()
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return k, dir
}

func mustSeal(t *testing.T, k *Keyring, plain string) string {
	t.Helper()
	sealed, err := k.Seal(plain)
	if err != nil {
		t.Fatalf("Seal(%q): %v", plain, err)
	}
	return sealed
}

func mustOpen(t *testing.T, k *Keyring, sealed string) string {
	t.Helper()
	plain, err := k.Open(sealed)
	if err != nil {
		t.Fatalf("Open(%q): %v", sealed, err)
	}
	return plain
}
