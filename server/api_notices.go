package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"anpei/notify"
)

// registerNotices registers the signed-in user's inbox: the API and the
// 消息 page. Every route works on the caller's own notices only.
func (s *Server) registerNotices() {
	s.handle(route{Method: "GET", Path: "/api/v1/me/notices", Access: anyone, Summary: "我的消息（证书到期提醒等；unread=1 只看未读）",
		Resp: noticeList{}, Query: []string{"unread", "limit", "offset"}}, s.listNotices)
	s.handle(route{Method: "POST", Path: "/api/v1/me/notices/read-all", Access: anyone, Summary: "全部消息标为已读", Resp: readResp{}}, s.readAllNotices)
	s.handle(route{Method: "POST", Path: "/api/v1/me/notices/:id/read", Access: anyone, Summary: "一条消息标为已读", Resp: readResp{}}, s.readNotice)
	s.handle(route{Method: "GET", Path: "/inbox", Access: anyone, Page: true}, s.inboxPage)
}

// noticeList is a page of the inbox with the unread count (for the badge).
type noticeList struct {
	Items  []notify.Notice `json:"items"`
	Total  int64           `json:"total"`
	Unread int64           `json:"unread"`
}

// readResp answers a mark-read: how many were marked and how many are
// left unread.
type readResp struct {
	Marked int64 `json:"marked"`
	Unread int64 `json:"unread"`
}

func (s *Server) listNotices(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	items, total, err := s.deps.Notices.Inbox(ctx, p, c.Query("unread") == "1" || c.Query("unread") == "true", limit, offset)
	if err != nil {
		s.fail(c, err)
		return
	}
	unread, err := s.deps.Notices.UnreadCount(ctx, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, noticeList{Items: items, Total: total, Unread: unread})
}

func (s *Server) readNotice(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	if err := s.deps.Notices.MarkRead(ctx, p, id); err != nil {
		s.fail(c, err)
		return
	}
	unread, err := s.deps.Notices.UnreadCount(ctx, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, readResp{Marked: 1, Unread: unread})
}

func (s *Server) readAllNotices(c *gin.Context) {
	n, err := s.deps.Notices.MarkAllRead(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, readResp{Marked: n})
}
