package server

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/certs"
	"anpei/certs/document"
	"anpei/certs/signing"
	"anpei/fault"
	"anpei/ident"
)

// statusListSize is how many certificates one Bitstring Status List
// covers: a certificate's bit is its id modulo this, in list id / this.
const statusListSize = 131072

func (s *Server) registerCertDocs() {
	s.handle(route{Method: "GET", Path: "/.well-known/anpei-keys.json", Access: public, Summary: "证书签名公钥（Ed25519，JWK 与 Multikey，含历史密钥）"}, s.publishedKeys)
	s.handle(route{Method: "GET", Path: "/api/v1/certificates/:id/pdf", Access: certViewers, Summary: "下载证书 PDF（含二维码与电子签名）"}, s.certPDF)
	s.handle(route{Method: "GET", Path: "/api/v1/certificates/:id/credential.json", Access: certViewers,
		Summary: "证书的 Open Badges 3.0 / W3C 可验证凭证 2.0（eddsa-jcs-2022 签名）"}, s.certCredential)
	s.handle(route{Method: "GET", Path: "/api/v1/certificates/archive.zip", Access: rosterUsers, Summary: "批量下载证书 PDF（ZIP；ids=1,2,3，最多500份）",
		Query: []string{"ids"}}, s.certZip)
	s.handle(route{Method: "GET", Path: "/api/v1/status-lists/:id", Access: public, Summary: "证书撤销状态列表（W3C Bitstring Status List，已签名）"}, s.statusList)
}

// baseURL is where people reach anpei: the configured public address, or
// the scheme and host of this request.
func (s *Server) baseURL(c *gin.Context) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func (s *Server) publishedKeys(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", s.deps.Signer.PublishedKeys(s.baseURL(c)))
}

// claimsOf is what the QR token of certificate c states.
func (s *Server) claimsOf(c certs.Certificate, kindName string) signing.Claims {
	cl := signing.Claims{Number: c.Number, Kind: c.Kind, KindName: kindName, Holder: ident.MaskName(c.HolderName), IDLast4: idLast4(c.IDMasked),
		IDSalt: c.IDSalt, IDHash: c.IDHash, IssuedOn: c.IssuedOn.Format("2006-01-02"), Issuer: c.Issuer}
	if c.ValidUntil != nil {
		cl.ValidUntil = c.ValidUntil.Format("2006-01-02")
	}
	return cl
}

// printable turns a certificate into its printed form with a signed QR.
func (s *Server) printable(c *gin.Context, v certs.View) (document.Certificate, error) {
	token, err := signing.Sign(s.deps.Signer, s.claimsOf(v.Certificate, v.KindName))
	if err != nil {
		return document.Certificate{}, fault.Wrap(err, "sign certificate")
	}
	d := document.Certificate{Title: v.KindName, HolderName: v.HolderName, MaskedID: v.IDMasked, KindName: v.KindName,
		OperationItem: s.itemName(c, v.OperationItem), Hours: totalHours(v.Hours), Score: v.Score, IssuedOn: v.IssuedOn, Issuer: v.Issuer, Number: v.Number,
		QRPayload: signing.VerifyURL(s.baseURL(c), v.Number, token), QRCaption: "扫码核验真伪"}
	if v.ValidUntil != nil {
		d.ValidUntil = *v.ValidUntil
	}
	if v.NextReview != nil {
		d.NextReview = *v.NextReview
	}
	if !v.Status.Holds() {
		d.Status = v.StatusLabel
	}
	if k, ok := s.deps.Certs.Kinds().Get(v.Kind); ok && k.Statement != "" {
		day := v.IssuedOn
		d.Statement = k.StatementFor(strconv.Itoa(day.Year())+"年"+strconv.Itoa(int(day.Month()))+"月"+strconv.Itoa(day.Day())+"日", d.OperationItem, v.Hours)
	}
	return d, nil
}

// itemName is "1.2 低压电工作业" for code "1.2".
func (s *Server) itemName(c *gin.Context, code string) string {
	if code == "" {
		return ""
	}
	ref, err := s.referenceData(c)
	if err != nil {
		return code
	}
	for _, it := range ref.OperationItems {
		if it.Code == code {
			return it.Name
		}
	}
	return code
}

func (s *Server) certPDF(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.deps.Certs.Get(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if d.External {
		s.fail(c, fault.New(fault.Unprocessable, "external_certificate", "主管部门颁发的证书由发证机关制证，本平台不生成证书文件"))
		return
	}
	doc, err := s.printable(c, d.View)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := document.Render(&buf, doc); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, d.KindName+"-"+d.Number+".pdf")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}

func (s *Server) certZip(c *gin.Context) {
	var ids []uint
	for _, part := range strings.Split(c.Query("ids"), ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		id, err := parseID(strings.TrimSpace(part))
		if err != nil {
			s.fail(c, fault.Field("bad_ids", "ids", "ids 应为以逗号分隔的证书编号（数字）"))
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 || len(ids) > 500 {
		s.fail(c, fault.Field("bad_ids", "ids", "请选择 1 到 500 份证书"))
		return
	}
	views, err := s.deps.Certs.ByIDs(c.Request.Context(), principal(c), ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	var docs []document.Certificate
	for _, v := range views {
		if v.External {
			continue
		}
		d, err := s.printable(c, v)
		if err != nil {
			s.fail(c, err)
			return
		}
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		s.fail(c, fault.New(fault.NotFound, "certificate_not_found", "所选证书不存在、无权查看或不是本平台颁发的证书"))
		return
	}
	var buf bytes.Buffer
	if err := document.RenderZip(&buf, docs, func(d document.Certificate) string { return d.HolderName + "-" + d.Number + ".pdf" }); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "证书-"+time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102")+".zip")
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
}

func (s *Server) certCredential(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.deps.Certs.Get(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if d.External {
		s.fail(c, fault.New(fault.Unprocessable, "external_certificate", "主管部门颁发的证书不由本平台签发电子凭证"))
		return
	}
	base := s.baseURL(c)
	kind, _ := s.deps.Certs.Kinds().Get(d.Kind)
	in := signing.BadgeInput{ID: base + "/verify/" + url.PathEscape(d.Number), IssuerID: base, IssuerName: d.Issuer,
		ValidFrom: d.IssuedOn, Name: d.KindName, IdentityHash: d.BadgeHash, IDSalt: d.IDSalt,
		AchievementID: base + "/api/v1/certificate-kinds#" + d.Kind, AchievementName: d.KindName, AchievementDescription: kind.Basis,
		CriteriaNarrative: criteria(kind), AchievementType: signing.AchievementCertificate,
		StatusListURL: base + "/api/v1/status-lists/" + strconv.Itoa(int(d.ID)/statusListSize), StatusIndex: int(d.ID) % statusListSize}
	if d.ValidUntil != nil {
		in.ValidUntil = *d.ValidUntil
	}
	kid, signer := s.deps.Signer.CurrentSigner()
	out, err := signing.AddProofJCS(signing.OpenBadgeCredential(in), signer, signing.VerificationMethod(base, kid), time.Now(), "assertionMethod")
	if err != nil {
		s.fail(c, fault.Wrap(err, "sign credential"))
		return
	}
	attachment(c, d.Number+".credential.json")
	c.Data(http.StatusOK, "application/vc+ld+json", out)
}

func criteria(k certs.Kind) string {
	switch {
	case k.Earnable():
		return "完成规定的安全生产培训学时，并通过" + k.Name + "考试（满分100分，80分合格）。"
	case k.Code == "hours_record":
		return "按《生产经营单位安全培训规定》完成并记录的安全生产培训学时。"
	}
	return k.Name
}

func (s *Server) statusList(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("id"))
	if err != nil || n < 0 || n > 1000 {
		s.fail(c, fault.New(fault.NotFound, "status_list_not_found", "状态列表不存在"))
		return
	}
	revoked, err := s.deps.Certs.RevokedIDs(c.Request.Context(), uint(n*statusListSize), uint((n+1)*statusListSize))
	if err != nil {
		s.fail(c, err)
		return
	}
	l := signing.NewStatusList(statusListSize)
	for _, id := range revoked {
		if err := l.Set(int(id)%statusListSize, true); err != nil {
			s.fail(c, fault.Wrap(err, "status list"))
			return
		}
	}
	base := s.baseURL(c)
	listURL := base + "/api/v1/status-lists/" + strconv.Itoa(n)
	kid, signer := s.deps.Signer.CurrentSigner()
	out, err := signing.AddProofJCS(signing.StatusListCredential(listURL, base, time.Now(), l), signer, signing.VerificationMethod(base, kid), time.Now(), "assertionMethod")
	if err != nil {
		s.fail(c, fault.Wrap(err, "sign status list"))
		return
	}
	c.Header("Cache-Control", "public, max-age=60")
	c.Data(http.StatusOK, "application/vc+ld+json", out)
}

// idLast4 is the last four characters of a masked ID number.
func idLast4(masked string) string {
	r := []rune(masked)
	if len(r) < 4 {
		return ""
	}
	return string(r[len(r)-4:])
}

// totalHours is the total of a 学时证明's hours text for the field table
// ("共 48 学时"); the full split online/offline is in the statement.
func totalHours(h string) string {
	if i := strings.LastIndex(h, "共 "); i >= 0 {
		return h[i:]
	}
	return h
}
