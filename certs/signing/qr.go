package signing

import (
	"errors"
	"net/url"
	"strings"
)

// VerifyURL returns the address a certificate's QR code holds:
// base + "/verify/" + the path-escaped number + "?t=" + token. base is the
// site's origin, such as "https://anpei.example.cn"; a trailing slash is
// dropped. It returns no error.
func VerifyURL(base, number, token string) string {
	return strings.TrimRight(base, "/") + "/verify/" + url.PathEscape(number) + "?t=" + url.QueryEscape(token)
}

// TokenFromQR returns the token in what a QR code held: either an address
// made by VerifyURL (any host, since a verifier may scan a copy printed by a
// mirror) or a bare token. It checks only the token's shape, not its
// signature: pass the result to Verify, and compare the claims' number with
// the one in the address. It returns an error matching ErrMalformed when no
// token is found.
func TokenFromQR(payload string) (string, error) {
	s := strings.TrimSpace(payload)
	if len(s) > maxTokenLen+1024 {
		return "", refuse(ErrMalformed, errors.New("QR payload too long"))
	}
	if i := strings.Index(s, "://"); i > 0 {
		u, err := url.Parse(s)
		if err != nil {
			return "", refuse(ErrMalformed, err)
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return "", refuse(ErrMalformed, errors.New("QR address is not http(s)"))
		}
		s = u.Query().Get("t")
	}
	if strings.Count(s, ".") != 2 || strings.ContainsAny(s, " /?&#=") {
		return "", refuse(ErrMalformed, errors.New("QR payload holds no token"))
	}
	return s, nil
}
