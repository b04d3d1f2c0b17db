package signing

import (
	"errors"
	"testing"
)

func TestVerifyURL(t *testing.T) {
	tests := []struct {
		base, number, token, want string
	}{
		{"https://anpei.example.cn", "AP-2026-004217", "v1.abc.def", "https://anpei.example.cn/verify/AP-2026-004217?t=v1.abc.def"},
		{"https://anpei.example.cn/", "AP 2026/1", "v1.a-b_c.d", "https://anpei.example.cn/verify/AP%202026%2F1?t=v1.a-b_c.d"},
		{"https://anpei.example.cn", "安培-1", "v1.x.y", "https://anpei.example.cn/verify/%E5%AE%89%E5%9F%B9-1?t=v1.x.y"},
	}
	for _, tt := range tests {
		if got := VerifyURL(tt.base, tt.number, tt.token); got != tt.want {
			t.Errorf("VerifyURL(%q, %q, %q) = %q, want %q", tt.base, tt.number, tt.token, got, tt.want)
		}
	}
}

func TestTokenFromQR(t *testing.T) {
	k := newKeyring(t)
	tok, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	url := VerifyURL("https://anpei.example.cn", "AP-2026-004217", tok)
	tests := []struct {
		name, payload, want string
		err                 error
	}{
		{"URL", url, tok, nil},
		{"URL with spaces around", "  " + url + "\n", tok, nil},
		{"URL on another host", "http://mirror.example.com/verify/AP-2026-004217?t=" + tok, tok, nil},
		{"bare token", tok, tok, nil},
		{"empty", "", "", ErrMalformed},
		{"URL without token", "https://anpei.example.cn/verify/AP-2026-004217", "", ErrMalformed},
		{"URL with empty token", "https://anpei.example.cn/verify/AP-2026-004217?t=", "", ErrMalformed},
		{"other scheme", "ftp://anpei.example.cn/verify/1?t=" + tok, "", ErrMalformed},
		{"plain text", "张三的证书", "", ErrMalformed},
		{"not a token", "a.b", "", ErrMalformed},
		{"bad URL", "https://[::1/verify?t=" + tok, "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TokenFromQR(tt.payload)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("TokenFromQR error = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("TokenFromQR = %q, want %q", got, tt.want)
			}
		})
	}
	// The scanned token verifies, and its number is the one in the URL.
	got, _ := TokenFromQR(url)
	c, err := Verify(got, k)
	if err != nil || c.Number != "AP-2026-004217" {
		t.Errorf("Verify(TokenFromQR(url)) = %+v, %v", c, err)
	}
}
