package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"anpei/certs/document"
	"anpei/certs/signing"
	"anpei/fault"
)

const certsUsage = `usage:
  anpei certs verify TOKEN|URL|QR-IMAGE [--keys anpei-keys.json] [--data DIR]
      checks a certificate's QR code offline: the signature against the
      published keys (--keys, as served at /.well-known/anpei-keys.json) or
      the keys in --data; exit 0 when valid, 1 when not
  anpei certs rotate-key [--data DIR]
      makes a new signing key current; old keys keep verifying (restart the
      server to sign with the new key)`

func certsCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{certsUsage}
	}
	switch args[0] {
	case "verify":
		return certsVerify(args[1:], stdout, stderr)
	case "rotate-key":
		fs := flag.NewFlagSet("certs rotate-key", flag.ContinueOnError)
		fs.SetOutput(stderr)
		data := fs.String("data", env("ANPEI_DATA", "./data"), "data directory (ANPEI_DATA)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		k, err := signing.LoadOrCreate(filepath.Join(*data, "cert-keys"))
		if err != nil {
			return err
		}
		kid, err := k.Rotate(time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已启用新的证书签名密钥 %s，旧密钥保留用于核验；请重启服务以使用新密钥签名\nnew signing key %s is current; old keys still verify; restart the server to sign with it\n", kid, kid)
		return nil
	}
	return usageError{certsUsage}
}

func certsVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("certs verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keysFile := fs.String("keys", "", "published keys JSON (from /.well-known/anpei-keys.json)")
	data := fs.String("data", env("ANPEI_DATA", "./data"), "data directory holding cert-keys (ANPEI_DATA)")
	// The token or image may come before or after the flags.
	var subject string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		subject, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if subject == "" && fs.NArg() == 1 {
		subject = fs.Arg(0)
	} else if fs.NArg() > 0 || subject == "" {
		return usageError{certsUsage}
	}
	var keys signing.KeySource
	if *keysFile != "" {
		b, err := os.ReadFile(*keysFile)
		if err != nil {
			return err
		}
		pk, err := signing.LoadPublic(b)
		if err != nil {
			return fmt.Errorf("%s: %w", *keysFile, err)
		}
		keys = pk
	} else {
		dir := filepath.Join(*data, "cert-keys")
		if _, err := os.Stat(dir); err != nil {
			return usageError{"no keys: give --keys anpei-keys.json (download it from the server's /.well-known/anpei-keys.json) or --data with cert-keys"}
		}
		k, err := signing.LoadOrCreate(dir)
		if err != nil {
			return err
		}
		keys = k
	}
	payload := subject
	if st, err := os.Stat(subject); err == nil && !st.IsDir() {
		if payload, err = document.DecodeQRFile(subject); err != nil {
			return fmt.Errorf("二维码图片无法识别：%w", err)
		}
	}
	token, err := signing.TokenFromQR(payload)
	if err != nil {
		return verifyFailed(stdout, err)
	}
	cl, err := signing.Verify(token, keys)
	if err != nil {
		return verifyFailed(stdout, err)
	}
	if u, err := url.Parse(payload); err == nil && u.Path != "" {
		if n := strings.TrimPrefix(u.Path, "/verify/"); n != u.Path && n != cl.Number {
			return verifyFailed(stdout, errors.New("二维码中的地址与签名内容的证书编号不一致"))
		}
	}
	valid := cl.ValidUntil
	if valid == "" {
		valid = "长期有效"
	}
	fmt.Fprintf(stdout, "签名有效（密钥 %s）\n证书编号：%s\n证书种类：%s\n持证人：%s（身份证号末四位 %s）\n发证日期：%s\n有效期至：%s\n发证机关：%s\n"+
		"说明：签名只证明以上内容由发证机关签发、未被篡改；证书现在是否有效（复审、暂停、撤销）请联网核验。\n",
		cl.KeyID, cl.Number, cl.KindName, cl.Holder, cl.IDLast4, cl.IssuedOn, valid, cl.Issuer)
	return nil
}

// errInvalidCertificate makes the command exit 1 after printing the reason.
var errInvalidCertificate = errors.New("certificate not valid")

func verifyFailed(stdout io.Writer, err error) error {
	msg := err.Error()
	var fe *fault.Error
	if errors.As(err, &fe) {
		msg = fe.Message
	}
	fmt.Fprintf(stdout, "核验失败：%s\n", msg)
	return errInvalidCertificate
}
