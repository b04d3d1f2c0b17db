package server

import (
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/course"
	"anpei/hours"
	"anpei/roster"
)

// chinaTime is the time zone the pages show and the forms read.
var chinaTime = time.FixedZone("CST", 8*3600)

// option is one choice of a form's select or checkbox list.
type option struct {
	Value, Label string
}

// liveCourses lists the published courses a session may count toward.
func (s *Server) liveCourses(c *gin.Context) ([]course.CourseView, error) {
	items, _, err := s.deps.Courses.Courses(c.Request.Context(), principal(c), course.CourseFilter{Status: "published", Limit: 500})
	return items, err
}

// liveRules are the requirements of the hours table a session may be
// meant for.
func liveRules() []option {
	t, err := hours.DefaultTable()
	if err != nil {
		return nil
	}
	var out []option
	for _, r := range t.Rules() {
		out = append(out, option{Value: r.ID, Label: r.Label})
	}
	return out
}

// liveCategories are the person categories an audience may name.
func liveCategories() []option {
	var out []option
	for _, c := range roster.Categories() {
		out = append(out, option{Value: c.Code(), Label: c.Label()})
	}
	return out
}

// liveICE is the ICE configuration the room page hands the browser: the
// configured STUN/TURN servers and the embedded TURN server's
// credentials for this user.
func (s *Server) liveICE(p account.Principal) []gin.H {
	if s.deps.Live == nil {
		return []gin.H{}
	}
	out := []gin.H{}
	for _, sv := range s.deps.Live.ClientICEServers(p.Username) {
		h := gin.H{"urls": sv.URLs}
		if sv.Username != "" {
			h["username"], h["credential"] = sv.Username, sv.Credential
		}
		out = append(out, h)
	}
	return out
}

// CloseLive ends every live room of this node: the browsers are told and
// the media released (at shutdown, before the database closes).
func (s *Server) CloseLive() { s.liveRooms.closeAll(10 * time.Second) }
