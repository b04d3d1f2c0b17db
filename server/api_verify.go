package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/certs"
	"anpei/certs/signing"
	"anpei/fault"
)

func (s *Server) registerVerify() {
	s.handle(route{Method: "GET", Path: "/api/v1/verify/:number", Access: public,
		Summary: "核验证书（公开；限流；可带 name 姓名、t 二维码中的签名令牌）", Resp: verifyResp{}, Query: []string{"name", "t"}}, s.verifyAPI)
}

// signatureCheck is what the QR token's signature says.
type signatureCheck struct {
	Checked bool   `json:"checked"`
	Valid   bool   `json:"valid"`
	KeyID   string `json:"key_id,omitempty"`
	Message string `json:"message"`
}

// verifyResp is the public verify answer.
type verifyResp struct {
	certs.Public
	Signature *signatureCheck `json:"signature,omitempty"`
	CheckedAt time.Time       `json:"checked_at"`
}

// allowVerify applies the per-IP limit of the public lookup; it answers
// 429 with Retry-After and returns false when the client is over it.
func (s *Server) allowVerify(c *gin.Context) bool {
	ok, wait := s.verifyThrottle.Allow(c.ClientIP())
	if ok {
		return true
	}
	secs := int(wait/time.Second) + 1
	c.Header("Retry-After", strconv.Itoa(secs))
	s.fail(c, fault.New(fault.TooMany, "verify_throttled", "查询过于频繁，请 "+strconv.Itoa(secs)+" 秒后再试"))
	return false
}

// lookup runs the public lookup and, with a token, the signature check.
func (s *Server) lookup(c *gin.Context) (verifyResp, error) {
	pub, err := s.deps.Certs.Lookup(c.Request.Context(), c.Param("number"), c.Query("name"))
	if err != nil {
		return verifyResp{}, err
	}
	out := verifyResp{Public: pub, CheckedAt: time.Now().UTC()}
	if t := c.Query("t"); t != "" {
		out.Signature = s.checkToken(t, pub)
	}
	return out, nil
}

// checkToken verifies a QR token against the published keys and the
// certificate it names.
func (s *Server) checkToken(token string, pub certs.Public) *signatureCheck {
	cl, err := signing.Verify(token, s.deps.Signer)
	if err != nil {
		return &signatureCheck{Checked: true, Message: fault.As(err).Message}
	}
	c := pub.Certificate()
	want := s.claimsOf(c, pub.KindName)
	want.KeyID = cl.KeyID
	if cl != want {
		return &signatureCheck{Checked: true, KeyID: cl.KeyID, Message: "二维码签名有效，但其内容与本平台登记的证书不一致（可能是旧版证书，请以本页为准）"}
	}
	return &signatureCheck{Checked: true, Valid: true, KeyID: cl.KeyID, Message: "二维码电子签名有效，证书内容与签发时一致"}
}

func (s *Server) verifyAPI(c *gin.Context) {
	if !s.allowVerify(c) {
		return
	}
	out, err := s.lookup(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

func (s *Server) verifyPage(c *gin.Context) {
	if !s.allowVerifyPage(c) {
		return
	}
	out, err := s.lookup(c)
	if err != nil {
		fe := fault.As(err)
		if fe.Kind != fault.NotFound {
			s.renderErr(c, err)
			return
		}
		s.render(c, http.StatusNotFound, "verify", "证书核验", gin.H{"NotFound": true, "Message": fe.Message})
		return
	}
	d := gin.H{"V": out.Public, "Tone": certTone(out.Status), "At": out.CheckedAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")}
	if out.Signature != nil {
		d["Token"], d["SigOK"], d["SigMessage"], d["KeyID"] = true, out.Signature.Valid, out.Signature.Message, out.Signature.KeyID
	}
	s.render(c, http.StatusOK, "verify", out.KindName+"核验", d)
}

// allowVerifyPage is allowVerify for the HTML page: a 429 page.
func (s *Server) allowVerifyPage(c *gin.Context) bool {
	ok, wait := s.verifyThrottle.Allow(c.ClientIP())
	if ok {
		return true
	}
	secs := int(wait/time.Second) + 1
	c.Header("Retry-After", strconv.Itoa(secs))
	s.renderStatus(c, http.StatusTooManyRequests, "查询过于频繁", "查询过于频繁，请 "+strconv.Itoa(secs)+" 秒后再试。")
	return false
}
