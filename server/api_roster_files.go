package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
	"anpei/roster"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) registerRosterFiles() {
	importers := adminsOf(account.RoleAdmin, account.RoleEnterpriseAdmin)
	s.handle(route{Method: "GET", Path: "/api/v1/people/template.xlsx", Access: importers, Summary: "下载人员名单导入模板（xlsx）"}, s.rosterTemplate)
	s.handle(route{Method: "POST", Path: "/api/v1/people/import", Access: importers,
		Summary: "导入人员名单（multipart 字段 file；?dry_run=1 仅预检）", Resp: importJSON{}, Query: []string{"dry_run", "enterprise_id"}}, s.importRoster)
	s.handle(route{Method: "GET", Path: "/api/v1/people/export.xlsx", Access: rosterUsers, Summary: "导出可见的从业人员（xlsx，证件号码脱敏）",
		Query: []string{"enterprise_id", "category", "duty_status", "q"}}, s.exportPeople)
	s.handle(route{Method: "GET", Path: "/api/v1/enterprises/export.xlsx", Access: rosterUsers, Summary: "导出可见的企业（xlsx）",
		Query: []string{"q", "town_code", "industry_code", "status"}}, s.exportEnterprises)
}

func (s *Server) rosterTemplate(c *gin.Context) {
	b, err := s.deps.Roster.Template(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "人员名单导入模板.xlsx")
	c.Data(http.StatusOK, xlsxType, b)
}

func attachment(c *gin.Context, name string) {
	c.Header("Content-Disposition", `attachment; filename="roster.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	c.Header("Cache-Control", "no-store")
}

type importJSON struct {
	Created   int          `json:"created"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	DryRun    bool         `json:"dry_run"`
	Missing   []personJSON `json:"missing"`
}

var (
	errNoFile = fault.Field("file_required", "file", "请选择要上传的名单文件（.xlsx）")
	errUpload = fault.New(fault.TooLarge, "file_too_large", "文件过大：名单文件不能超过 10 MB，请拆分后分批上传")
)

func (s *Server) importRoster(c *gin.Context) {
	p := principal(c)
	enterpriseID := p.EnterpriseID
	if v := c.Query("enterprise_id"); v != "" {
		id, err := parseID(v)
		if err != nil {
			s.fail(c, err)
			return
		}
		enterpriseID = id
	}
	if enterpriseID == 0 {
		s.fail(c, fault.Field("enterprise_required", "enterprise_id", "请选择要导入名单的企业"))
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(c, errUpload)
			return
		}
		if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) || errors.Is(err, multipart.ErrMessageTooLarge) {
			s.fail(c, errNoFile)
			return
		}
		s.fail(c, errNoFile)
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
		s.fail(c, errUpload)
		return
	}
	dry := c.Query("dry_run") == "1" || c.Query("dry_run") == "true"
	if strings.Contains(c.GetHeader("Accept"), ndjsonType) {
		s.importStreaming(c, p, enterpriseID, body, dry)
		return
	}
	rep, err := s.runImport(c, p, enterpriseID, body, dry, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toImportJSON(rep, dry))
}

const ndjsonType = "application/x-ndjson"

// runImport runs one import and logs its outcome (counts only).
func (s *Server) runImport(c *gin.Context, p account.Principal, enterpriseID uint, body []byte, dry bool, progress func(done, total int)) (roster.ImportReport, error) {
	start := time.Now()
	rep, err := s.deps.Roster.ImportRoster(c.Request.Context(), p, enterpriseID, bytes.NewReader(body), int64(len(body)), dry, progress)
	if err == nil {
		s.log(c).Info("roster import", "enterprise_id", enterpriseID, "dry_run", dry, "created", rep.Created,
			"updated", rep.Updated, "unchanged", rep.Unchanged, "ms", time.Since(start).Milliseconds())
	}
	return rep, err
}

func toImportJSON(rep roster.ImportReport, dry bool) importJSON {
	out := importJSON{Created: rep.Created, Updated: rep.Updated, Unchanged: rep.Unchanged, DryRun: dry, Missing: []personJSON{}}
	for _, m := range rep.Missing {
		out.Missing = append(out.Missing, toPersonJSON(m.Person, m.EnterpriseName))
	}
	return out
}

// importLine is one line of a streamed import: progress while rows are
// checked, then exactly one of result or error.
type importLine struct {
	Done   int           `json:"done,omitempty"`
	Total  int           `json:"total,omitempty"`
	Result *importJSON   `json:"result,omitempty"`
	Error  *errorPayload `json:"error,omitempty"`
}

// importStreaming answers a page that asked for application/x-ndjson: one
// JSON line per progress step so the page can show how far the check has
// come, then the result or the error in the contract's shape. The status
// is 200 once streaming starts; the outcome is in the last line.
func (s *Server) importStreaming(c *gin.Context, p account.Principal, enterpriseID uint, body []byte, dry bool) {
	c.Header("Content-Type", ndjsonType+"; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	write := func(l importLine) {
		enc.Encode(l)
		c.Writer.Flush()
	}
	rep, err := s.runImport(c, p, enterpriseID, body, dry, func(done, total int) { write(importLine{Done: done, Total: total}) })
	if err != nil {
		fe := fault.As(err)
		payload := errorPayload{Code: fe.Code, Message: fe.Message, Details: fe.Details}
		if statusOf[fe.Kind] >= 500 || fe.Kind == fault.Internal {
			s.log(c).Error("roster import failed", "err", err)
			payload = errorPayload{Code: "internal", Message: "服务器内部错误，请稍后重试。请求编号 " + requestID(c)}
		}
		write(importLine{Error: &payload})
		return
	}
	res := toImportJSON(rep, dry)
	write(importLine{Result: &res})
}

func (s *Server) exportPeople(c *gin.Context) {
	f, err := s.personFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.deps.Roster.ExportPeople(c.Request.Context(), principal(c), f, &buf); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "从业人员名单-"+time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102")+".xlsx")
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
}

func (s *Server) exportEnterprises(c *gin.Context) {
	f, err := s.enterpriseFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.deps.Roster.ExportEnterprises(c.Request.Context(), principal(c), f, &buf); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "企业名单-"+time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102")+".xlsx")
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
}
