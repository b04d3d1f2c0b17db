package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
	"anpei/roster"
)

func (s *Server) registerRosterDuty() {
	s.handle(route{Method: "POST", Path: "/api/v1/people/:id/duty", Access: adminsOf(account.RoleAdmin, account.RoleEnterpriseAdmin),
		Summary: "记录在岗状态变动（上岗、离岗、调岗、返岗）", Req: dutyReq{}, Resp: personJSON{}}, s.changeDuty)
	s.handle(route{Method: "GET", Path: "/api/v1/people/:id/duty", Access: anyone, Summary: "在岗状态变动历史", Resp: list[roster.DutyEvent]{}}, s.dutyHistory)
}

type dutyReq struct {
	Kind         string  `json:"kind"`
	Date         string  `json:"date"`
	EnterpriseID uint    `json:"enterprise_id"`
	Position     *string `json:"position"`
	Note         string  `json:"note"`
}

func (s *Server) changeDuty(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req dutyReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	kind, ok := roster.ParseDutyKind(req.Kind)
	if !ok {
		s.fail(c, fault.Field("bad_duty_kind", "kind", "请选择变动类型：上岗、离岗、调岗或返岗"))
		return
	}
	date, d := dateField("date", req.Date)
	if d != nil || date == nil {
		s.fail(c, fault.Field("bad_date", "date", "请填写变动日期，格式如 2024-03-01"))
		return
	}
	p, err := s.deps.Roster.ChangeDuty(c.Request.Context(), principal(c), id, roster.DutyChange{
		Kind: kind, Date: *date, EnterpriseID: req.EnterpriseID, Position: req.Position, Note: req.Note})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPersonJSON(p, ""))
}

func (s *Server) dutyHistory(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	events, err := s.deps.Roster.DutyHistory(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[roster.DutyEvent]{Items: events, Total: int64(len(events))})
}
