package signing

import "anpei/fault"

// The reasons a token or a proof is refused. Each is matched with errors.Is;
// the error actually returned may carry a cause for the logs.
var (
	// ErrMalformed: the token or document is not of the expected shape.
	ErrMalformed = fault.New(fault.Invalid, "cert_sig_malformed", "证书验证码格式错误，请重新扫描证书上的二维码")
	// ErrUnsupportedVersion: a token format this version of anpei does not know.
	ErrUnsupportedVersion = fault.New(fault.Invalid, "cert_sig_version", "证书验证码版本不受支持")
	// ErrUnknownKey: the signing key ID is not among the published keys.
	ErrUnknownKey = fault.New(fault.Unprocessable, "cert_sig_unknown_key", "签名密钥未知，无法确认证书由本平台签发")
	// ErrBadSignature: the signature does not match the content.
	ErrBadSignature = fault.New(fault.Unprocessable, "cert_sig_invalid", "签名无效：证书内容可能被篡改")
)

// refuse returns a copy of reason that keeps cause for the logs; it still
// matches reason with errors.Is.
func refuse(reason *fault.Error, cause error) error {
	e := *reason
	e.Err = cause
	return &e
}
