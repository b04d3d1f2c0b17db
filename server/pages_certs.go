package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/fault"
	"anpei/roster"
)

// registerCertPages registers the certificate pages: the list (for a
// learner: 我的证书), one certificate with its history and actions, the
// registration of a state certificate, and the public verify pages.
func (s *Server) registerCertPages() {
	s.handle(route{Method: "GET", Path: "/certificates", Access: certViewers, Page: true}, s.certsPage)
	s.handle(route{Method: "GET", Path: "/certificates/register", Access: rosterUsers, Page: true}, s.certRegisterPage)
	s.handle(route{Method: "GET", Path: "/certificates/:id", Access: certViewers, Page: true}, s.certPage)
	s.handle(route{Method: "GET", Path: "/verify", Access: public, Page: true}, s.verifyFormPage)
	s.handle(route{Method: "GET", Path: "/verify/:number", Access: public, Page: true, Summary: "证书核验页（公开）"}, s.verifyPage)
}

// certRow is a certificate as the list shows it.
type certRow struct {
	certs.View
	Tone string
}

// certTone colours a certificate status badge.
func certTone(st certs.Status) string {
	switch st {
	case certs.StatusValid:
		return "ok"
	case certs.StatusExpiring, certs.StatusReviewDue:
		return "warn"
	case certs.StatusSuspended:
		return "info"
	}
	return "bad"
}

func (s *Server) certsPage(c *gin.Context) {
	p := principal(c)
	limit, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	f := certs.Filter{Kind: c.Query("kind"), Status: certs.Status(c.Query("status")), Number: c.Query("number"), Limit: limit, Offset: offset}
	if v := c.Query("due_days"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 3650 {
			d := certs.Day(time.Now()).AddDate(0, 0, n)
			f.DueBefore = &d
		}
	}
	if v := c.Query("external"); v == "true" || v == "false" {
		b := v == "true"
		f.External = &b
	}
	rows, total, err := s.deps.Certs.List(c.Request.Context(), p, f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	out := make([]certRow, len(rows))
	var zip []string
	for i, r := range rows {
		out[i] = certRow{View: r, Tone: certTone(r.Status)}
		if !r.External {
			zip = append(zip, strconv.Itoa(int(r.ID)))
		}
	}
	zipIDs := ""
	if p.Is(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin) {
		zipIDs = strings.Join(zip, ",")
	}
	title := "证书"
	if p.Is(account.RoleLearner) {
		title = "我的证书"
	}
	s.render(c, http.StatusOK, "certificates", title, gin.H{"Rows": out, "Pager": newPager(c, total, limit, offset), "Kinds": s.deps.Certs.Kinds().All(),
		"Statuses": certs.Statuses(), "F": map[string]string{"kind": c.Query("kind"), "status": c.Query("status"), "due_days": c.Query("due_days"),
			"external": c.Query("external"), "number": c.Query("number")}, "DueChoices": dueChoices, "Learner": p.Is(account.RoleLearner), "Staff": p.Is(account.RoleAdmin, account.RoleRegulator),
		"Title": title, "ZipIDs": zipIDs})
}

var dueChoices = []struct{ V, L string }{{"30", "30 天内"}, {"60", "60 天内"}, {"90", "90 天内"}, {"365", "一年内"}}

func (s *Server) certPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	d, err := s.deps.Certs.Get(c.Request.Context(), p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	kind, _ := s.deps.Certs.Kinds().Get(d.Kind)
	item := d.OperationItem
	if item != "" {
		if ref, err := s.referenceData(c); err == nil {
			if names := itemNames(ref.OperationItems, []string{item}); len(names) == 1 {
				item = names[0]
			}
		}
	}
	// The verify link is the QR code's address (with the signed token), so
	// the holder can share it; a registered state certificate has none.
	verify := "/verify/" + url.PathEscape(d.Number)
	if !d.External {
		token, err := signing.Sign(s.deps.Signer, s.claimsOf(d.Certificate, d.KindName))
		if err != nil {
			s.renderErr(c, fault.Wrap(err, "sign certificate"))
			return
		}
		verify = signing.VerifyURL(s.baseURL(c), d.Number, token)
	}
	s.render(c, http.StatusOK, "certificate", d.KindName+" "+d.Number, gin.H{"C": d, "Kind": kind, "Tone": certTone(d.Status), "Item": item,
		"Staff": p.Is(account.RoleAdmin, account.RoleRegulator), "Reasons": certs.RevocationReasons(), "VerifyPath": verify})
}

func (s *Server) certRegisterPage(c *gin.Context) {
	p := principal(c)
	id, err := parseID(c.Query("person"))
	if err != nil {
		s.renderStatus(c, http.StatusBadRequest, "登记证书", "请从从业人员详情页进入证书登记。")
		return
	}
	person, err := s.deps.Roster.Person(c.Request.Context(), p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ref, err := s.referenceData(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	var kinds []certs.Kind
	for _, k := range s.deps.Certs.Kinds().All() {
		if k.Issuer == certs.IssuerState && k.Qualifies(person.Categories) {
			kinds = append(kinds, k)
		}
	}
	var items []roster.OperationItem
	for _, it := range ref.OperationItems {
		for _, code := range person.OperationItems {
			if it.Code == code {
				items = append(items, it)
			}
		}
	}
	s.render(c, http.StatusOK, "cert_register", "登记证书", gin.H{"Person": person, "Kinds": kinds, "Items": items})
}

func (s *Server) verifyFormPage(c *gin.Context) {
	if n := c.Query("number"); n != "" {
		if num := certs.NormalizeNumber(n); num != "" {
			c.Redirect(http.StatusSeeOther, "/verify/"+num)
			return
		}
	}
	s.render(c, http.StatusOK, "verify", "证书核验", gin.H{"Form": true, "Number": c.Query("number")})
}
