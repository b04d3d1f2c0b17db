package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/audit"
	"anpei/fault"
)

type auditJSON struct {
	Seq       uint64    `json:"seq"`
	At        time.Time `json:"at"`
	ActorID   uint      `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	IP        string    `json:"ip"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  string    `json:"entity_id"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	Hash      string    `json:"hash"`
}

var errAuditScope = fault.New(fault.Forbidden, "audit_district_only", "审计日志仅限平台管理员和全区监管人员查看")

// auditFilter reads the ledger filters; dates are Beijing calendar days.
func (s *Server) auditFilter(c *gin.Context) (audit.Filter, int, int, error) {
	limit, offset, err := page(c)
	if err != nil {
		return audit.Filter{}, 0, 0, err
	}
	f := audit.Filter{Entity: c.Query("entity"), EntityID: c.Query("entity_id"), Action: c.Query("action"), Limit: limit, Offset: offset}
	if v := c.Query("actor_id"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return f, 0, 0, fault.Field("bad_actor_id", "actor_id", "操作人编号应为正整数")
		}
		f.ActorID = uint(n)
	}
	cst := time.FixedZone("CST", 8*3600)
	for _, d := range []struct {
		key string
		dst *time.Time
		add int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := c.Query(d.key); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, cst)
			if err != nil {
				return f, 0, 0, fault.Field("bad_date", d.key, "日期格式应为 2006-01-02")
			}
			*d.dst = t.AddDate(0, 0, d.add).UTC()
		}
	}
	return f, limit, offset, nil
}

// auditList applies the ledger's scope: the platform admin and district
// regulators only, since entries are not tied to one jurisdiction.
func (s *Server) auditList(c *gin.Context, f audit.Filter) ([]audit.Entry, int64, error) {
	p := principal(c)
	if !p.Is(account.RoleAdmin) && !p.SeesWholeDistrict() {
		return nil, 0, errAuditScope
	}
	entries, total, err := audit.List(c.Request.Context(), s.deps.DB, f)
	if err != nil {
		return nil, 0, fault.Wrap(err, "list audit")
	}
	return entries, total, nil
}

func (s *Server) listAudit(c *gin.Context) {
	f, _, _, err := s.auditFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries, total, err := s.auditList(c, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := list[auditJSON]{Items: make([]auditJSON, 0, len(entries)), Total: total}
	for _, e := range entries {
		out.Items = append(out.Items, auditJSON{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName, IP: e.IP,
			Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, Before: e.Before, After: e.After, Hash: e.Hash})
	}
	c.JSON(http.StatusOK, out)
}
