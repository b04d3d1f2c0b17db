package pii

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func checkMode0600(t *testing.T, dir string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode = %v, want -rw-------", got)
	}
}

// checkNoTempFiles fails if a temporary key file was left behind in dir.
func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != KeyFileName {
			t.Errorf("unexpected file %s left in key directory", e.Name())
		}
	}
}

func TestLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate (create): %v", err)
	}
	if got := k.Current(); got != 1 {
		t.Errorf("Current = %d, want 1", got)
	}
	checkMode0600(t, dir)
	checkNoTempFiles(t, dir)
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o700 {
			t.Errorf("key directory mode = %v, want drwx------", got)
		}
	}

	sealed := mustSeal(t, k, "53030219900101123X")
	again, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate (load): %v", err)
	}
	if got := mustOpen(t, again, sealed); got != "53030219900101123X" {
		t.Errorf("reloaded Open = %q", got)
	}
	if again.Hash("x") != k.Hash("x") {
		t.Error("reloaded keyring hashes differently")
	}
}

func TestLoadOrCreateConcurrentFirstUse(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	rings := make([]*Keyring, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { rings[i], errs[i] = LoadOrCreate(dir) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("LoadOrCreate #%d: %v", i, err)
		}
	}
	// Whoever won the race, everyone must hold the keys now on disk.
	sealed := mustSeal(t, rings[0], "x")
	for i, k := range rings[1:] {
		if got, err := k.Open(sealed); err != nil || got != "x" {
			t.Errorf("keyring #%d cannot open #0's value: %q, %v", i+1, got, err)
		}
	}
	checkNoTempFiles(t, dir)
}

func TestRotate(t *testing.T) {
	k, dir := newTestKeyring(t)
	old := mustSeal(t, k, "53030219900101123X")

	v, err := k.Rotate(dir)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if v != 2 || k.Current() != 2 {
		t.Fatalf("Rotate = %d, Current = %d; want 2, 2", v, k.Current())
	}
	checkMode0600(t, dir)
	checkNoTempFiles(t, dir)

	fresh := mustSeal(t, k, "53030219900101123X")
	reloaded, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	for _, kr := range []struct {
		name string
		k    *Keyring
	}{{"in memory", k}, {"reloaded", reloaded}} {
		t.Run(kr.name, func(t *testing.T) {
			if got := kr.k.Current(); got != 2 {
				t.Errorf("Current = %d, want 2", got)
			}
			if got := mustOpen(t, kr.k, old); got != "53030219900101123X" {
				t.Errorf("Open(v1 value) = %q", got)
			}
			if got := mustOpen(t, kr.k, fresh); got != "53030219900101123X" {
				t.Errorf("Open(v2 value) = %q", got)
			}
			if s := mustSeal(t, kr.k, "x"); !strings.HasPrefix(s, "v2:") {
				t.Errorf("Seal after rotation = %q, want prefix v2:", s)
			}
			if !kr.k.NeedsReseal(old) {
				t.Error("NeedsReseal(v1 value) = false, want true")
			}
			if kr.k.NeedsReseal(fresh) {
				t.Error("NeedsReseal(v2 value) = true, want false")
			}
		})
	}

	if v, err := k.Rotate(dir); err != nil || v != 3 {
		t.Fatalf("second Rotate = %d, %v; want 3", v, err)
	}
	if got := mustOpen(t, k, old); got != "53030219900101123X" {
		t.Errorf("Open(v1 value) after second rotation = %q", got)
	}
}

// A server and the rotate command each hold a Keyring loaded from the same
// file. A rotation by one must not be overwritten by a later rotation from
// the other's stale copy.
func TestRotateKeepsVersionsFromDisk(t *testing.T) {
	server, dir := newTestKeyring(t)
	cli, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := server.Rotate(dir); err != nil || v != 2 {
		t.Fatalf("server Rotate = %d, %v; want 2", v, err)
	}
	byServer := mustSeal(t, server, "x")

	if v, err := cli.Rotate(dir); err != nil || v != 3 {
		t.Fatalf("stale Rotate = %d, %v; want 3", v, err)
	}
	if got := mustOpen(t, cli, byServer); got != "x" {
		t.Errorf("Open(server's v2 value) = %q", got)
	}
	reloaded, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustOpen(t, reloaded, byServer); got != "x" {
		t.Errorf("reloaded Open(server's v2 value) = %q", got)
	}
	if got := reloaded.String(); got != "pii.Keyring{versions:3}" {
		t.Errorf("reloaded = %s, want 3 versions", got)
	}
}

func TestRotateErrors(t *testing.T) {
	k, dir := newTestKeyring(t)
	_, foreignDir := newTestKeyring(t)

	// A key file holding the same HMAC key but other bytes for version 1.
	clashDir := t.TempDir()
	writeJSON(t, clashDir, func(f *keyFile) {
		data, err := os.ReadFile(filepath.Join(dir, KeyFileName))
		if err != nil {
			t.Fatal(err)
		}
		var mine keyFile
		if err := json.Unmarshal(data, &mine); err != nil {
			t.Fatal(err)
		}
		f.HMACKey = mine.HMACKey
	})

	secret, err := FromSecret(base64.StdEncoding.EncodeToString(make([]byte, 64)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		k       *Keyring
		dir     string
		wantErr string
	}{
		{"another keyring's file", k, foreignDir, "another keyring"},
		{"clashing version", k, clashDir, "disagree on key version 1"},
		{"from secret", secret, t.TempDir(), "secret setting"},
		{"empty dir", k, "", "directory is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.k.Current()
			_, err := tt.k.Rotate(tt.dir)
			if err == nil || !strings.HasPrefix(err.Error(), "pii: ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Rotate error = %v, want pii: …%s…", err, tt.wantErr)
			}
			if got := tt.k.Current(); got != before {
				t.Errorf("Current after failed Rotate = %d, want %d", got, before)
			}
		})
	}
}

func TestRotateWhileSealing(t *testing.T) {
	k, dir := newTestKeyring(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				s, err := k.Seal("53030219900101123X")
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := k.Open(s); err != nil || got != "53030219900101123X" {
					t.Errorf("Open = %q, %v", got, err)
					return
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			if _, err := k.Rotate(dir); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := k.Current(); got != 4 {
		t.Errorf("Current after three concurrent rotations = %d, want 4", got)
	}
}

// writeJSON writes a valid key file to dir after applying edit to it.
func writeJSON(t *testing.T, dir string, edit func(*keyFile)) {
	t.Helper()
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	f := keyFile{
		HMACKey: base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
		Keys:    []keyFileEntry{{Version: 1, Key: key, CreatedAt: "2025-01-02T03:04:05Z"}},
		Current: 1,
	}
	edit(&f)
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	writeRaw(t, dir, string(data))
}

func writeRaw(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, KeyFileName), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrCreateRejectsBadFiles(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		name    string
		raw     string         // used when set
		edit    func(*keyFile) // otherwise applied to a valid file
		wantErr string
	}{
		{name: "empty file", raw: "", wantErr: "malformed JSON"},
		{name: "not JSON", raw: "hmac_key=abc", wantErr: "malformed JSON"},
		{name: "trailing data", raw: `{"hmac_key":"` + b64(32) + `","keys":[{"version":1,"key":"` + b64(32) + `","created_at":"2025-01-02T03:04:05Z"}],"current":1} {}`, wantErr: "data after the object"},
		{name: "wrong type", raw: `{"hmac_key":1}`, wantErr: "malformed JSON"},
		{name: "unknown field", raw: `{"hmac":"x"}`, wantErr: "unknown field"},
		{name: "hmac key missing", edit: func(f *keyFile) { f.HMACKey = "" }, wantErr: "hmac_key is 0 bytes"},
		{name: "hmac key short", edit: func(f *keyFile) { f.HMACKey = b64(16) }, wantErr: "hmac_key is 16 bytes, want 32"},
		{name: "hmac key not base64", edit: func(f *keyFile) { f.HMACKey = "not base64!" }, wantErr: "hmac_key is not valid"},
		{name: "no keys", edit: func(f *keyFile) { f.Keys = nil }, wantErr: "no AES keys"},
		{name: "aes key short", edit: func(f *keyFile) { f.Keys[0].Key = b64(16) }, wantErr: "keys[0].key is 16 bytes, want 32"},
		{name: "aes key long", edit: func(f *keyFile) { f.Keys[0].Key = b64(64) }, wantErr: "keys[0].key is 64 bytes, want 32"},
		{name: "aes key not base64", edit: func(f *keyFile) { f.Keys[0].Key = "%%%" }, wantErr: "keys[0].key is not valid"},
		{name: "version zero", edit: func(f *keyFile) { f.Keys[0].Version = 0 }, wantErr: "keys[0]: version 0"},
		{name: "duplicate version", edit: func(f *keyFile) { f.Keys = append(f.Keys, f.Keys[0]) }, wantErr: "keys[1]: version 1 appears twice"},
		{name: "bad created_at", edit: func(f *keyFile) { f.Keys[0].CreatedAt = "yesterday" }, wantErr: "created_at"},
		{name: "current missing", edit: func(f *keyFile) { f.Current = 2 }, wantErr: "current version 2 is not among the keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.edit != nil {
				writeJSON(t, dir, tt.edit)
			} else {
				writeRaw(t, dir, tt.raw)
			}
			k, err := LoadOrCreate(dir)
			if err == nil {
				t.Fatalf("LoadOrCreate = %v, want error containing %q", k, tt.wantErr)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "pii: key file ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error = %q, want pii: key file …%s…", msg, tt.wantErr)
			}
		})
	}
}

func TestLoadOrCreateEmptyDir(t *testing.T) {
	if _, err := LoadOrCreate(""); err == nil {
		t.Fatal("LoadOrCreate(\"\"): no error")
	}
}

// TestReloadSeesAnotherProcesssRotation: a server's keyring picks up a
// rotation done by a second process on the same key file.
func TestReloadSeesAnotherProcesssRotation(t *testing.T) {
	dir := t.TempDir()
	server, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := server.Seal("11010519491231002X")
	if changed, err := server.Reload(dir); err != nil || changed {
		t.Fatalf("reload without a rotation = %v, %v", changed, err)
	}
	cli, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cli.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := cli.Seal("530302199001011234")
	if _, err := server.Open(fresh); err == nil {
		t.Fatal("server opened a value sealed with a key it has not loaded")
	}
	if changed, err := server.Reload(dir); err != nil || !changed {
		t.Fatalf("reload after rotation = %v, %v", changed, err)
	}
	if server.Current() != v {
		t.Fatalf("server current = %d, want %d", server.Current(), v)
	}
	for _, sealed := range []string{old, fresh} {
		if _, err := server.Open(sealed); err != nil {
			t.Fatalf("open %q after reload: %v", sealed[:3], err)
		}
	}
	other := t.TempDir()
	if _, err := LoadOrCreate(other); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Reload(other); err == nil {
		t.Fatal("reload accepted another keyring's file")
	}
}
