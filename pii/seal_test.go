package pii

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	k, _ := newTestKeyring(t)
	tests := []struct {
		name  string
		plain string
	}{
		{"id number", "53030219900101123X"},
		{"chinese", "张三 云南省曲靖市麒麟区"},
		{"empty", ""},
		{"long", strings.Repeat("身份证", 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := mustSeal(t, k, tt.plain)
			if !strings.HasPrefix(sealed, "v1:") {
				t.Errorf("Seal = %q, want prefix v1:", sealed)
			}
			if strings.Contains(sealed, tt.plain) && tt.plain != "" {
				t.Errorf("Seal = %q contains the plaintext", sealed)
			}
			if got := mustOpen(t, k, sealed); got != tt.plain {
				t.Errorf("Open(Seal(%q)) = %q", tt.plain, got)
			}
		})
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	k, _ := newTestKeyring(t)
	a := mustSeal(t, k, "53030219900101123X")
	b := mustSeal(t, k, "53030219900101123X")
	if a == b {
		t.Fatalf("two seals of the same value are equal: %q", a)
	}
	for _, s := range []string{a, b} {
		if got := mustOpen(t, k, s); got != "53030219900101123X" {
			t.Errorf("Open(%q) = %q", s, got)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	k, _ := newTestKeyring(t)
	other, _ := newTestKeyring(t)
	good := mustSeal(t, k, "53030219900101123X")
	payload := strings.TrimPrefix(good, "v1:")
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return "v1:" + base64.StdEncoding.EncodeToString(b)
	}
	// Sealed with the right key but another associated-data label: a
	// ciphertext moved here from another purpose.
	key := k.state.Load().keys[1]
	otherPurpose := "v1:" + base64.StdEncoding.EncodeToString(key.aead.Seal(nil, nil, []byte("x"), []byte("other")))
	// Same bytes to a lenient decoder, different string: must still fail.
	nudged := payload[:len(payload)-3] + nudgeLastChar(payload)
	if b, err := base64.StdEncoding.DecodeString(nudged); err != nil || string(b) != string(raw) {
		t.Fatalf("test setup: nudged payload decodes to different bytes (%v)", err)
	}

	tests := []struct {
		name    string
		sealed  string
		wantErr error
	}{
		{"flipped nonce byte", flip(0), ErrCorrupt},
		{"flipped ciphertext byte", flip(14), ErrCorrupt},
		{"flipped tag byte", flip(len(raw) - 1), ErrCorrupt},
		{"truncated", "v1:" + base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), ErrCorrupt},
		{"too short for a nonce", "v1:" + base64.StdEncoding.EncodeToString(raw[:5]), ErrCorrupt},
		{"empty payload", "v1:", ErrCorrupt},
		{"bad base64", "v1:!!!!", ErrCorrupt},
		{"non-canonical padding bits", "v1:" + nudged, ErrCorrupt},
		{"empty string", "", ErrCorrupt},
		{"plain text", "53030219900101123X", ErrCorrupt},
		{"no colon", "v1" + payload, ErrCorrupt},
		{"version zero", "v0:" + payload, ErrCorrupt},
		{"leading zero", "v01:" + payload, ErrCorrupt},
		{"plus sign", "v+1:" + payload, ErrCorrupt},
		{"negative", "v-1:" + payload, ErrCorrupt},
		{"other keyring", mustSeal(t, other, "53030219900101123X"), ErrCorrupt},
		{"other purpose", otherPurpose, ErrCorrupt},
		{"unknown version", "v9:" + payload, ErrUnknownKeyVersion},
		{"huge version", "v" + strconv.Itoa(1<<30) + ":" + payload, ErrUnknownKeyVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Open(tt.sealed)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open(%q) = %q, %v; want error %v", tt.sealed, got, err, tt.wantErr)
			}
			if got != "" {
				t.Errorf("Open(%q) returned %q alongside the error", tt.sealed, got)
			}
		})
	}
}

// nudgeLastChar returns the last three characters of a base64 string ending
// in "==", with the last data character changed only in its unused low bits,
// so a lenient decoder yields the same bytes.
func nudgeLastChar(payload string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, payload[len(payload)-3])
	return string(alphabet[i^1]) + "=="
}

func TestHash(t *testing.T) {
	k, dir := newTestKeyring(t)
	other, _ := newTestKeyring(t)
	const id = "53030219900101123X"

	h := k.Hash(id)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
		t.Fatalf("Hash = %q, want 64 lowercase hex digits", h)
	}
	if got := k.Hash(id); got != h {
		t.Errorf("Hash not deterministic: %q then %q", h, got)
	}
	if got := k.Hash("530302199001011230"); got == h {
		t.Errorf("different inputs hash equal: %q", got)
	}
	if got := other.Hash(id); got == h {
		t.Errorf("two keyrings give the same hash %q", got)
	}

	if _, err := k.Rotate(dir); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if got := k.Hash(id); got != h {
		t.Errorf("Hash after Rotate = %q, want unchanged %q", got, h)
	}
	reloaded, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := reloaded.Hash(id); got != h {
		t.Errorf("Hash after reload = %q, want %q", got, h)
	}
}

func TestNeedsReseal(t *testing.T) {
	k, dir := newTestKeyring(t)
	v1 := mustSeal(t, k, "a")
	if k.NeedsReseal(v1) {
		t.Fatalf("NeedsReseal(v1 value) before rotation = true")
	}
	if _, err := k.Rotate(dir); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	v2 := mustSeal(t, k, "a")
	tests := []struct {
		name   string
		sealed string
		want   bool
	}{
		{"old version", v1, true},
		{"current version", v2, false},
		{"unknown version", "v7:AAAA", true},
		{"not sealed", "53030219900101123X", false},
		{"empty", "", false},
		{"bad version", "v01:AAAA", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := k.NeedsReseal(tt.sealed); got != tt.want {
				t.Errorf("NeedsReseal(%q) = %v, want %v", tt.sealed, got, tt.want)
			}
		})
	}
}

func TestZeroKeyring(t *testing.T) {
	var k Keyring
	if _, err := k.Seal("x"); err == nil {
		t.Error("Seal on zero Keyring: no error")
	}
	if _, err := k.Open("v1:AAAA"); err == nil {
		t.Error("Open on zero Keyring: no error")
	}
	if k.NeedsReseal("v1:AAAA") {
		t.Error("NeedsReseal on zero Keyring = true")
	}
	if got := k.Current(); got != 0 {
		t.Errorf("Current on zero Keyring = %d, want 0", got)
	}
	if _, err := k.Rotate(t.TempDir()); err == nil {
		t.Error("Rotate on zero Keyring: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("Hash on zero Keyring did not panic")
		}
	}()
	k.Hash("x")
}
