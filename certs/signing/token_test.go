package signing

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	k := newKeyring(t)
	tests := []struct {
		name string
		edit func(*Claims)
	}{
		{"typical", func(*Claims) {}},
		{"no expiry", func(c *Claims) { c.ValidUntil = "" }},
		{"no ID bound", func(c *Claims) { c.IDSalt, c.IDHash, c.IDLast4 = "", "", "" }},
		{"same day", func(c *Claims) { c.ValidUntil = c.IssuedOn }},
		{"escapes", func(c *Claims) { c.Holder = `"<&>\` }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := typicalClaims()
			tt.edit(&want)
			tok, err := Sign(k, want)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			got, err := Verify(tok, k)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want.KeyID = k.Current()
			if got != want {
				t.Errorf("Verify = %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestTokenLength measures the token for a typical certificate; the QR code
// holds VerifyURL(base, number, token).
//
// Measured: 446 characters (495 for the URL), over the 400 aimed for. The
// fixed parts are the signature (86 characters), the ID hash (43), the salt
// (12) and the key ID (11); each Chinese character of the kind name and the
// issuer costs 4. Leaving the kind name out (it follows from the kind code)
// would save 48 characters; a 16-byte ID hash would save 28. This test
// keeps the size from growing.
func TestTokenLength(t *testing.T) {
	const ceiling = 450
	k := newKeyring(t)
	c := typicalClaims()
	c.IDSalt = NewSalt()
	c.IDHash = HashID(c.IDSalt, "11010519491231002X")
	tok, err := Sign(k, c)
	if err != nil {
		t.Fatal(err)
	}
	url := VerifyURL("https://anpei.example.cn", c.Number, tok)
	t.Logf("typical token: %d characters; QR URL: %d characters", len(tok), len(url))
	if len(tok) > ceiling {
		t.Errorf("typical token is %d characters, want at most %d", len(tok), ceiling)
	}
}

// TestTamperedFieldFails changes each payload field in turn, keeps the
// signature, and expects the bad-signature reason.
func TestTamperedFieldFails(t *testing.T) {
	k := newKeyring(t)
	oldTok, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Rotate(time.Now()); err != nil {
		t.Fatal(err)
	}
	otherKID := k.KeyIDs()
	fields := map[string]string{
		"n": "AP-2026-004218", "k": "special_operation", "t": "特种作业操作证",
		"h": "李*明", "l": "0031", "s": "AAAAAAAAAAAA", "x": HashID("x", "y"),
		"i": "2026-03-02", "u": "2039-02-28", "o": "北京市应急管理局",
	}
	editPayload(t, oldTok, func(p map[string]any) {
		for name := range p {
			if _, ok := fields[name]; !ok && name != "kid" {
				t.Errorf("payload field %q has no tampering case", name)
			}
		}
	})
	for name, value := range fields {
		t.Run(name, func(t *testing.T) {
			tampered := editPayload(t, oldTok, func(p map[string]any) {
				if _, ok := p[name]; !ok {
					t.Fatalf("payload has no field %q", name)
				}
				p[name] = value
			})
			if _, err := Verify(tampered, k); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify(%s changed) error = %v, want ErrBadSignature", name, err)
			}
		})
	}
	t.Run("kid", func(t *testing.T) {
		tampered := editPayload(t, oldTok, func(p map[string]any) {
			signedBy := p["kid"]
			for _, kid := range otherKID {
				if kid != signedBy {
					p["kid"] = kid // a real key, but not the one that signed
				}
			}
		})
		if _, err := Verify(tampered, k); !errors.Is(err, ErrBadSignature) {
			t.Errorf("Verify(kid changed) error = %v, want ErrBadSignature", err)
		}
	})
	t.Run("added field", func(t *testing.T) {
		tampered := editPayload(t, oldTok, func(p map[string]any) { p["zz"] = "1" })
		if _, err := Verify(tampered, k); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(field added) error = %v, want ErrMalformed", err)
		}
	})
}

// editPayload decodes tok's payload, lets edit change it, and re-encodes it
// with the original signature.
func editPayload(t *testing.T, tok string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	edit(p)
	raw, err = json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
}

func TestVerifyUnknownKey(t *testing.T) {
	signer, other := newKeyring(t), newKeyring(t)
	tok, err := Sign(signer, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	_, err = Verify(tok, other)
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Verify with another keyring: error = %v, want ErrUnknownKey", err)
	}
	tampered := editPayload(t, tok, func(p map[string]any) { p["kid"] = "knotakey00" })
	if _, err := Verify(tampered, signer); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Verify(unknown kid) error = %v, want ErrUnknownKey", err)
	}
}

func TestOldKeyVerifiesAfterRotate(t *testing.T) {
	dir := t.TempDir()
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	oldKID := k.Current()
	oldTok, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	newKID, err := k.Rotate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if newKID == oldKID || k.Current() != newKID {
		t.Fatalf("after Rotate: Current = %s, new = %s, old = %s", k.Current(), newKID, oldKID)
	}
	newTok, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	reloaded, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tok, kid string
	}{{oldTok, oldKID}, {newTok, newKID}} {
		c, err := Verify(tc.tok, reloaded)
		if err != nil {
			t.Fatalf("Verify after Rotate and reload: %v", err)
		}
		if c.KeyID != tc.kid {
			t.Errorf("KeyID = %s, want %s", c.KeyID, tc.kid)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	k := newKeyring(t)
	good, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	sig := parts[2]
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrMalformed},
		{"one part", "v1", ErrMalformed},
		{"two parts", "v1." + parts[1], ErrMalformed},
		{"four parts", good + ".x", ErrMalformed},
		{"no version", "." + parts[1] + "." + sig, ErrMalformed},
		{"garbage version", "xx." + parts[1] + "." + sig, ErrMalformed},
		{"future version", "v2." + parts[1] + "." + sig, ErrUnsupportedVersion},
		{"bad base64 payload", "v1.%%%." + sig, ErrMalformed},
		{"padded payload", "v1." + parts[1] + "==." + sig, ErrMalformed},
		{"bad base64 signature", "v1." + parts[1] + ".***", ErrMalformed},
		{"short signature", "v1." + parts[1] + "." + b64([]byte("short")), ErrMalformed},
		{"payload not JSON", "v1." + b64([]byte("hello")) + "." + sig, ErrMalformed},
		{"payload array", "v1." + b64([]byte(`[1,2]`)) + "." + sig, ErrMalformed},
		{"payload trailing data", "v1." + b64([]byte(`{"kid":"k"} {}`)) + "." + sig, ErrMalformed},
		{"payload no kid", "v1." + b64([]byte(`{"n":"1"}`)) + "." + sig, ErrMalformed},
		{"payload wrong type", "v1." + b64([]byte(`{"n":1,"kid":"k"}`)) + "." + sig, ErrMalformed},
		{"huge", "v1." + strings.Repeat("A", 1<<20) + "." + sig, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Verify(tt.token, k)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if c != (Claims{}) {
				t.Errorf("Verify returned claims %+v with an error", c)
			}
		})
	}
}

func TestVerifyErrorsSpeakChinese(t *testing.T) {
	if ErrBadSignature.Message != "签名无效：证书内容可能被篡改" {
		t.Errorf("ErrBadSignature.Message = %q", ErrBadSignature.Message)
	}
	if !strings.Contains(ErrUnknownKey.Message, "签名密钥未知") || !strings.Contains(ErrMalformed.Message, "格式错误") {
		t.Errorf("messages: %q, %q", ErrUnknownKey.Message, ErrMalformed.Message)
	}
}

func TestSignRejectsBadClaims(t *testing.T) {
	k := newKeyring(t)
	tests := []struct {
		name string
		edit func(*Claims)
	}{
		{"no number", func(c *Claims) { c.Number = " " }},
		{"no kind", func(c *Claims) { c.Kind = "" }},
		{"no issuer", func(c *Claims) { c.Issuer = "" }},
		{"no issue date", func(c *Claims) { c.IssuedOn = "" }},
		{"bad issue date", func(c *Claims) { c.IssuedOn = "2026/03/01" }},
		{"bad expiry", func(c *Claims) { c.ValidUntil = "2029-02-30" }},
		{"expiry before issue", func(c *Claims) { c.ValidUntil = "2026-02-28" }},
		{"salt without hash", func(c *Claims) { c.IDHash = "" }},
		{"hash without salt", func(c *Claims) { c.IDSalt = "" }},
		{"invalid UTF-8", func(c *Claims) { c.Holder = "\xff" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := typicalClaims()
			tt.edit(&c)
			tok, err := Sign(k, c)
			if err == nil || !strings.HasPrefix(err.Error(), "signing: ") {
				t.Fatalf("Sign = %q, %v; want an error starting \"signing: \"", tok, err)
			}
		})
	}
}

func TestMatchesID(t *testing.T) {
	c := typicalClaims()
	tests := []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true},
		{"11010519491231002x", true},
		{" 110105 19491231 002X ", true},
		{"１１０１０５１９４９１２３１００２Ｘ", true},
		{"110105194912310021", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := c.MatchesID(tt.id); got != tt.want {
			t.Errorf("MatchesID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	c.IDSalt, c.IDHash = "", ""
	if c.MatchesID("") || c.MatchesID("11010519491231002X") {
		t.Error("MatchesID is true for claims that bind no ID")
	}
}

// TestHashIDVector pins HashID to a value computed by hand: the first two
// characters (12 bits) of
// printf %s 'q3Vw9xT2bLm0Zr8a11010519491231002X' | openssl sha256 -binary | basenc --base64url
func TestHashIDVector(t *testing.T) {
	const want = "Za"
	if got := HashID("q3Vw9xT2bLm0Zr8a", "11010519491231002x"); got != want {
		t.Errorf("HashID = %s, want %s", got, want)
	}
}

func TestNewSalt(t *testing.T) {
	a, b := NewSalt(), NewSalt()
	if len(a) != 12 || a == b {
		t.Errorf("NewSalt = %q, %q; want two different 12-character salts", a, b)
	}
}

// TestHashIDHidesTheNumber: among the candidates an attacker who knows the
// last four characters must try (here: one area code, every birth date of
// 1960–1999), many share the token's hash, so it cannot single the number
// out; a wrong card is still caught almost always.
func TestHashIDHidesTheNumber(t *testing.T) {
	const salt, real = "q3Vw9xT2bLm0Zr8a", "11010519491231002X"
	want := HashID(salt, real)
	matches, tried := 0, 0
	for d := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2000; d = d.AddDate(0, 0, 1) {
		cand := "110105" + d.Format("20060102") + "002X"
		tried++
		if HashID(salt, cand) == want {
			matches++
		}
	}
	if matches < 2 {
		t.Errorf("only %d of %d candidates share the hash: the token singles the number out", matches, tried)
	}
	if float64(matches)/float64(tried) > 0.002 {
		t.Errorf("%d of %d candidates share the hash: a wrong card would too often pass", matches, tried)
	}
}
