package signing

import (
	"errors"
	"testing"
	"time"
)

// FuzzVerify checks that Verify and TokenFromQR never panic and refuse
// anything but a genuine token with one of the four reasons.
func FuzzVerify(f *testing.F) {
	dir := f.TempDir()
	k, err := LoadOrCreate(dir)
	if err != nil {
		f.Fatal(err)
	}
	tok, err := Sign(k, typicalClaims())
	if err != nil {
		f.Fatal(err)
	}
	if _, err := k.Rotate(time.Now()); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		tok, "", ".", "..", "v1..", "v1.e30.", "v2.a.b", tok + tok,
		VerifyURL("https://anpei.example.cn", "1", tok),
		"v1.eyJraWQiOiJrIn0.AAAA",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := Verify(token, k)
		switch {
		case err == nil:
			if token != tok || c.KeyID == "" {
				t.Fatalf("Verify accepted %q as %+v", token, c)
			}
		case !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedVersion) &&
			!errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrBadSignature):
			t.Fatalf("Verify(%q) error %v is none of the four reasons", token, err)
		}
		if s, err := TokenFromQR(token); err == nil {
			Verify(s, k)
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatalf("TokenFromQR(%q) error %v, want ErrMalformed", token, err)
		}
	})
}
