package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"anpei/account"
)

// inboxPage lists the user's own notices (消息), newest first; unread=1
// shows the unread ones only. A notice is marked read with its button or
// when its link is followed (inbox.js).
func (s *Server) inboxPage(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	unreadOnly := c.Query("unread") == "1"
	rows, total, err := s.deps.Notices.Inbox(ctx, p, unreadOnly, limit, offset)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	unread, err := s.deps.Notices.UnreadCount(ctx, p)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "inbox", "消息", gin.H{"Rows": rows, "Pager": newPager(c, total, limit, offset), "Unread": unread, "UnreadOnly": unreadOnly})
}

// inboxBadge puts the unread count on the 消息 link of the navigation. A
// failure only leaves the badge off: the page itself does not depend on it.
func (s *Server) inboxBadge(c *gin.Context, p account.Principal, nav []navItem) {
	if s.deps.Notices == nil {
		return
	}
	for i := range nav {
		if nav[i].Href != "/inbox" {
			continue
		}
		n, err := s.deps.Notices.UnreadCount(c.Request.Context(), p)
		if err != nil {
			s.log(c).Warn("unread notices for the navigation", "err", err)
			return
		}
		nav[i].Badge = n
	}
}
