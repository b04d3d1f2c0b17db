package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anpei/certs/document"
	"anpei/certs/signing"
)

// TestCertsVerifyCommand: `anpei certs verify` checks a QR image, a URL or
// a bare token offline, with the keys in --data or the published key
// document, after a key rotation too; a tampered or foreign token exits 1
// with the reason.
func TestCertsVerifyCommand(t *testing.T) {
	data := t.TempDir()
	keys, err := signing.LoadOrCreate(filepath.Join(data, "cert-keys"))
	if err != nil {
		t.Fatal(err)
	}
	claims := signing.Claims{Number: "PX2026-000001-7K4Q", Kind: "training_pass", KindName: "安全培训合格证明", Holder: "张*明", IDLast4: "1234",
		IssuedOn: "2026-11-29", ValidUntil: "2027-11-29", Issuer: "麒麟区应急管理局"}
	token, err := signing.Sign(keys, claims)
	if err != nil {
		t.Fatal(err)
	}
	url := signing.VerifyURL("https://px.qilin.example", claims.Number, token)
	png, err := document.QRPNG(url, 600)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(img, png, 0o600); err != nil {
		t.Fatal(err)
	}
	published := filepath.Join(t.TempDir(), "anpei-keys.json")
	if err := os.WriteFile(published, keys.PublishedKeys("https://px.qilin.example"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A rotation afterwards: the old key still verifies.
	if code, out := runCmd(t, "", "certs", "rotate-key", "--data", data); code != 0 || !strings.Contains(out, "已启用新的证书签名密钥") {
		t.Fatalf("rotate-key: %d %s", code, out)
	}
	other, _ := signing.LoadOrCreate(t.TempDir())
	foreign, _ := signing.Sign(other, claims)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"QR image, keys in data", []string{"certs", "verify", img, "--data", data}, 0, "证书编号：PX2026-000001-7K4Q"},
		{"URL, published keys", []string{"certs", "verify", url, "--keys", published}, 0, "签名有效"},
		{"bare token", []string{"certs", "verify", "--data", data, token}, 0, "持证人：张*明（身份证号末四位 1234）"},
		{"tampered", []string{"certs", "verify", strings.Replace(token, ".", ".e", 1), "--data", data}, 1, "核验失败"},
		{"foreign key", []string{"certs", "verify", foreign, "--data", data}, 1, "签名密钥未知"},
		{"not a token", []string{"certs", "verify", "hello", "--data", data}, 1, "核验失败"},
		{"no keys", []string{"certs", "verify", token, "--data", t.TempDir()}, 2, "no keys"},
		{"no subject", []string{"certs", "verify"}, 2, "usage"},
	}
	for _, c := range cases {
		code, out := runCmd(t, "", c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want %d; output:\n%s", c.name, code, c.code, out)
		}
	}
}
