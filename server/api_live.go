package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
	"anpei/lecture"
)

// hosts may schedule and run live lectures.
var hosts = adminsOf(account.RoleAdmin, account.RoleTrainer)

// registerLive registers the live lectures (直播课): sessions, attendance,
// the room's WebSocket and the pages.
func (s *Server) registerLive() {
	if s.deps.Lectures == nil {
		return
	}
	s.handle(route{Method: "GET", Path: "/api/v1/live/sessions", Access: anyone,
		Summary: "直播课列表（学员只看面向自己的，讲师只看自己的，监管看辖区；status 筛选）", Resp: liveList{}, Query: []string{"status", "limit", "offset"}}, s.listLive)
	s.handle(route{Method: "POST", Path: "/api/v1/live/sessions", Access: hosts, Created: true,
		Summary: "安排直播课（讲师为自己安排；管理员指定讲师）", Req: lecture.Input{}, Resp: lecture.View{}}, s.createLive)
	s.handle(route{Method: "GET", Path: "/api/v1/live/sessions/:id", Access: anyone, Summary: "一场直播课", Resp: lecture.View{}}, s.getLive)
	s.handle(route{Method: "POST", Path: "/api/v1/live/sessions/:id/cancel", Access: hosts, Summary: "取消尚未开播的直播课", Req: liveCancel{}, Resp: lecture.View{}}, s.cancelLive)
	s.handle(route{Method: "GET", Path: "/api/v1/live/sessions/:id/attendance", Access: anyone,
		Summary: "本人在这场直播中的出勤与计入学时", Resp: lecture.MyAttendance{}}, s.myLiveAttendance)
	s.handle(route{Method: "GET", Path: "/api/v1/live/sessions/:id/attendance.xlsx", Access: hosts.with(account.RoleRegulator, account.RoleEnterpriseAdmin),
		Summary: "直播出勤报表（Excel；身份证号只显示脱敏号码）"}, s.liveAttendanceXLSX)
	s.handle(route{Method: "GET", Path: "/api/v1/live/:id/ws", Access: anyone,
		Summary: "直播间信令 WebSocket（会话 Cookie 认证，校验 Origin；协议见 live/signal）"}, s.liveSocket)
	s.handle(route{Method: "GET", Path: "/api/v1/lessons/:id/overlays/:n", Access: anyone,
		Summary: "直播回放课时的第 n 段屏幕共享录像（支持 Range；与课时视频按偏移同步播放）"}, s.lessonOverlay)
	s.handle(route{Method: "GET", Path: "/live", Access: anyone, Page: true}, s.livePage)
	s.handle(route{Method: "GET", Path: "/live/new", Access: hosts, Page: true}, s.liveNewPage)
	s.handle(route{Method: "GET", Path: "/live/:id", Access: anyone, Page: true}, s.liveRoomPage)
}

// liveList is a page of live sessions.
type liveList struct {
	Items []lecture.View `json:"items"`
	Total int64          `json:"total"`
}

// liveCancel is why a session is cancelled.
type liveCancel struct {
	Note string `json:"note"`
}

func (s *Server) listLive(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, total, err := s.deps.Lectures.List(c.Request.Context(), principal(c), lecture.Filter{Status: lecture.Status(c.Query("status")), Limit: limit, Offset: offset})
	if err != nil {
		s.fail(c, err)
		return
	}
	if items == nil {
		items = []lecture.View{}
	}
	c.JSON(http.StatusOK, liveList{Items: items, Total: total})
}

func (s *Server) createLive(c *gin.Context) {
	var in lecture.Input
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Lectures.Create(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (s *Server) getLive(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Lectures.Get(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) cancelLive(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in liveCancel
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Lectures.Cancel(c.Request.Context(), principal(c), id, in.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.liveRooms.end(id, "cancelled")
	c.JSON(http.StatusOK, v)
}

func (s *Server) myLiveAttendance(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.deps.Lectures.MyAttendance(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, a)
}

func (s *Server) liveAttendanceXLSX(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.deps.Lectures.AttendanceXLSX(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "直播出勤-"+strconv.FormatUint(uint64(id), 10)+".xlsx")
	c.Data(http.StatusOK, xlsxType, b)
}

// livePage lists the sessions the user sees: a learner's upcoming and
// running lectures, a trainer's own with the button to schedule one.
func (s *Server) livePage(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	items, total, err := s.deps.Lectures.List(c.Request.Context(), p, lecture.Filter{Limit: limit, Offset: offset})
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "live_list", "直播课", gin.H{"Rows": items, "Pager": newPager(c, total, limit, offset),
		"Host": p.Is(account.RoleAdmin, account.RoleTrainer), "Now": time.Now()})
}

// liveNewPage is the form to schedule a session: the published courses
// the trainer may link and the requirements of the hours table.
func (s *Server) liveNewPage(c *gin.Context) {
	courses, err := s.liveCourses(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "live_new", "安排直播课", gin.H{"Courses": courses, "Rules": liveRules(), "Categories": liveCategories(),
		"Start": time.Now().In(chinaTime).Add(time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")})
}

// liveRoomPage is the room: the trainer's console or the viewer's player.
// Who may not join sees why, not a broken player.
func (s *Server) liveRoomPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	v, err := s.deps.Lectures.Get(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := gin.H{"S": v, "ICE": s.liveICE(p)}
	seat, err := s.deps.Lectures.CanJoin(ctx, p, id)
	if err != nil {
		d["Refusal"] = fault.As(err).Message
	} else {
		d["Seat"] = seat
	}
	if p.Role == account.RoleLearner {
		if a, err := s.deps.Lectures.MyAttendance(ctx, p, id); err == nil {
			d["Mine"] = a
		}
	}
	d["CanReport"] = p.Is(account.RoleAdmin, account.RoleTrainer, account.RoleRegulator, account.RoleEnterpriseAdmin)
	s.render(c, http.StatusOK, "live_room", v.Title, d)
}
