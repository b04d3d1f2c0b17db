package pii

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestFromSecret(t *testing.T) {
	raw := make([]byte, 64)
	for i := range raw {
		raw[i] = byte(i)
	}
	secret := base64.StdEncoding.EncodeToString(raw)
	k, err := FromSecret(" " + secret + "\n") // settings often carry stray whitespace
	if err != nil {
		t.Fatalf("FromSecret: %v", err)
	}
	if got := k.Current(); got != 1 {
		t.Errorf("Current = %d, want 1", got)
	}
	sealed := mustSeal(t, k, "53030219900101123X")
	if !strings.HasPrefix(sealed, "v1:") {
		t.Errorf("Seal = %q, want prefix v1:", sealed)
	}
	if got := mustOpen(t, k, sealed); got != "53030219900101123X" {
		t.Errorf("Open = %q", got)
	}
	// The last 32 bytes are the HMAC key.
	m := hmac.New(sha256.New, raw[32:])
	m.Write([]byte("53030219900101123X"))
	if got, want := k.Hash("53030219900101123X"), hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("Hash = %s, want HMAC with the second half of the secret %s", got, want)
	}
	// The same secret gives the same keys.
	k2, err := FromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustOpen(t, k2, sealed); got != "53030219900101123X" {
		t.Errorf("second keyring Open = %q", got)
	}
}

func TestFromSecretErrors(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xAB}, n)) }
	tests := []struct {
		name    string
		secret  string
		wantErr string
	}{
		{"empty", "", "decodes to 0 bytes"},
		{"aes key only", b64(32), "decodes to 32 bytes, want 64"},
		{"one short", b64(63), "decodes to 63 bytes, want 64"},
		{"one long", b64(65), "decodes to 65 bytes, want 64"},
		{"hex not base64", strings.Repeat("ab", 64) + "!", "not valid standard base64"},
		{"url alphabet", strings.Repeat("_-", 43), "not valid standard base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromSecret(tt.secret)
			if err == nil {
				t.Fatalf("FromSecret: no error, want %q", tt.wantErr)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "pii: ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error = %q, want pii: …%s…", msg, tt.wantErr)
			}
			if tt.secret != "" && strings.Contains(msg, tt.secret) {
				t.Errorf("error %q repeats the secret", msg)
			}
		})
	}
}

// keyNeedles returns the forms in which k's key bytes might leak into text.
func keyNeedles(k *Keyring) []string {
	s := k.state.Load()
	all := [][]byte{s.hmacKey}
	for _, key := range s.keys {
		all = append(all, key.key)
	}
	var needles []string
	for _, b := range all {
		needles = append(needles,
			base64.StdEncoding.EncodeToString(b),
			hex.EncodeToString(b),
			string(b),
			strings.Trim(fmt.Sprint(b), "[]"), // decimal, as %v prints a []byte
		)
	}
	return needles
}

func TestKeyringNeverPrintsKeys(t *testing.T) {
	k, dir := newTestKeyring(t)
	if _, err := k.Rotate(dir); err != nil {
		t.Fatal(err)
	}
	needles := keyNeedles(k)
	const want = "pii.Keyring{versions:2}"

	type config struct {
		Keys    *Keyring
		private *Keyring
	}
	cfg := config{Keys: k, private: k}

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for name, arg := range map[string]any{"pointer": k, "in struct": cfg} {
			got := fmt.Sprintf(verb, arg)
			for _, n := range needles {
				if strings.Contains(got, n) {
					t.Errorf("Sprintf(%s) of %s = %q leaks key material", verb, name, got)
				}
			}
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, k); got != want {
			t.Errorf("Sprintf(%s) = %q, want %q", verb, got, want)
		}
	}
	if got := fmt.Sprintf("%v %+v %#v", k, k, k); got != want+" "+want+" "+want {
		t.Errorf(`Sprintf("%%v %%+v %%#v") = %q`, got)
	}

	var buf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewTextHandler(&buf, nil),
		slog.NewJSONHandler(&buf, nil),
	} {
		l := slog.New(h)
		l.Info("keys", "keyring", k, "cfg", cfg)
		l.Info("keys", slog.Any("keyring", k), slog.Group("g", "k", k))
	}
	out := buf.String()
	if got := strings.Count(out, want); got < 6 {
		t.Errorf("slog output shows %q %d times, want at least 6:\n%s", want, got, out)
	}
	for _, n := range needles {
		if strings.Contains(out, n) {
			t.Errorf("slog output leaks key material:\n%s", out)
			break
		}
	}
}

func TestStringOnEmptyKeyring(t *testing.T) {
	var zero Keyring
	var nilRing *Keyring
	for _, k := range []*Keyring{&zero, nilRing} {
		if got := k.String(); got != "pii.Keyring{versions:0}" {
			t.Errorf("String = %q", got)
		}
	}
}
