package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/certs"
	"anpei/fault"
)

// registerCertFiles registers the spreadsheet registration of state
// certificates: its template, the import (with a dry run) and its page.
func (s *Server) registerCertFiles() {
	s.handle(route{Method: "GET", Path: "/api/v1/external-certificates/template.xlsx", Access: rosterUsers,
		Summary: "下载主管部门证书批量登记模板（xlsx）"}, s.certTemplate)
	s.handle(route{Method: "POST", Path: "/api/v1/external-certificates/import", Access: rosterUsers,
		Summary: "批量登记主管部门颁发的证书（multipart 字段 file；?dry_run=1 仅预检；有错误时 422，details 逐条列出行号、列名和原因，不登记任何证书）",
		Resp:    certImportJSON{}, Query: []string{"dry_run"}}, s.importCerts)
	s.handle(route{Method: "GET", Path: "/certificates/import", Access: rosterUsers, Page: true}, s.certImportPage)
}

func (s *Server) certTemplate(c *gin.Context) {
	var buf bytes.Buffer
	if err := certs.ExternalTemplate(&buf, s.deps.Certs.Kinds()); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "主管部门证书批量登记模板.xlsx")
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
}

// certImportJSON is what an import did, or for a dry run would do.
type certImportJSON struct {
	Rows    int  `json:"rows"`
	Created int  `json:"created"`
	DryRun  bool `json:"dry_run"`
}

var (
	errNoCertFile   = fault.Field("file_required", "file", "请选择要上传的证书登记文件（.xlsx）")
	errCertFileSize = fault.New(fault.TooLarge, "file_too_large", "文件过大：证书登记文件不能超过 10 MB，请拆分后分批上传")
)

func (s *Server) importCerts(c *gin.Context) {
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(c, errCertFileSize)
			return
		}
		s.fail(c, errNoCertFile)
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.fail(c, fault.Wrap(err, "open upload"))
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, s.cfg.MaxUpload+1))
	if err != nil {
		s.fail(c, fault.Wrap(err, "read upload"))
		return
	}
	if int64(len(body)) > s.cfg.MaxUpload {
		s.fail(c, errCertFileSize)
		return
	}
	dry := c.Query("dry_run") == "1" || c.Query("dry_run") == "true"
	p := principal(c)
	start := time.Now()
	rep, err := s.deps.Certs.ImportExternal(c.Request.Context(), p, bytes.NewReader(body), int64(len(body)), dry)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.log(c).Info("certificate import", "enterprise_id", p.EnterpriseID, "dry_run", dry, "rows", rep.Rows, "created", rep.Created,
		"ms", time.Since(start).Milliseconds())
	c.JSON(http.StatusOK, certImportJSON{Rows: rep.Rows, Created: rep.Created, DryRun: dry})
}

func (s *Server) certImportPage(c *gin.Context) {
	var kinds []certs.Kind
	for _, k := range s.deps.Certs.Kinds().All() {
		if k.Issuer == certs.IssuerState {
			kinds = append(kinds, k)
		}
	}
	s.render(c, http.StatusOK, "cert_import", "证书批量登记", gin.H{"Kinds": kinds, "Enterprise": principal(c).Is(account.RoleEnterpriseAdmin)})
}
