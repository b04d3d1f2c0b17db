package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/course"
	"anpei/lecture"
)

// TestPagesRender opens every page as every role: an allowed role gets the
// page (no template error, no 500), another role gets 403, nobody signed
// in is sent to the login page.
func TestPagesRender(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		// A published course for everyone, so course and lesson pages open.
		sys := account.System()
		c, err := h.courses.CreateCourse(context.Background(), sys, course.CourseInput{Title: "页面测试课程", Category: "law"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := h.courses.AddLesson(context.Background(), sys, c.ID, course.LessonInput{Title: "第一课", Kind: course.KindText, Body: "<p>" + strings.Repeat("安全生产", 100) + "</p>"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.courses.Publish(context.Background(), sys, c.ID); err != nil {
			t.Fatal(err)
		}
		// An open exam for everyone, so /exams/:id… pages open.
		examID := pagesExam(t, h)
		// A certificate of the own person, for the certificate pages.
		cert, err := h.certs.Issue(context.Background(), sys, certs.ManualInput{PersonID: tn.ownPerson, Kind: "hours_record", Reason: "页面测试"})
		if err != nil {
			t.Fatal(err)
		}
		// A live session of the demo trainer for everyone, for the room page.
		var tr account.User
		h.gdb.Where("username = ?", "trainer").First(&tr)
		lv, err := h.lectures.Create(context.Background(), sys, lecture.Input{Title: "页面测试直播", TrainerID: tr.ID, ScheduledAt: h.clock.Now().Add(time.Hour),
			Minutes: 60, CourseID: c.ID, Capacity: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range h.srv.routes {
			if !r.Page || r.Path == "/login" {
				continue
			}
			path := r.Path
			switch {
			case strings.HasPrefix(path, "/enterprises/"):
				path = strings.ReplaceAll(path, ":id", itoa(tn.ownEnt))
			case strings.HasPrefix(path, "/courses/"):
				path = strings.ReplaceAll(path, ":id", itoa(c.ID))
			case strings.HasPrefix(path, "/lessons/"):
				path = strings.ReplaceAll(path, ":id", itoa(l.ID))
			case strings.HasPrefix(path, "/exams/"):
				path = strings.ReplaceAll(path, ":id", itoa(examID))
			case path == "/certificates/register":
				path += "?person=" + itoa(tn.ownPerson)
			case strings.HasPrefix(path, "/certificates/"):
				path = strings.ReplaceAll(path, ":id", itoa(cert.ID))
			case strings.HasPrefix(path, "/live/"):
				path = strings.ReplaceAll(path, ":id", itoa(lv.ID))
			case path == "/verify/:number":
				path = "/verify/" + cert.Number
			}
			path = strings.ReplaceAll(path, ":id", itoa(tn.ownPerson))
			if res := h.anon().do("GET", path, nil); r.Access.public {
				if res.status != 200 {
					t.Errorf("public page %s signed out = %d", path, res.status)
				}
			} else if res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/login") {
				t.Errorf("GET %s signed out = %d → %q, want 303 to /login", path, res.status, res.header.Get("Location"))
			}
			for user, c := range tn.sessions {
				res := c.do("GET", path, nil)
				allowed := r.Access.allows(roleOfUser[user])
				switch {
				case res.status >= 500:
					t.Errorf("GET %s as %s = %d", path, user, res.status)
				case !allowed && res.status != 403:
					t.Errorf("GET %s as %s = %d, want 403", path, user, res.status)
				case allowed && res.status == 200 && !strings.Contains(res.body, "</html>"):
					t.Errorf("GET %s as %s: truncated page", path, user)
				case allowed && res.status != 200 && !pageScoped(path, user):
					t.Errorf("GET %s as %s = %d, want 200", path, user, res.status)
				}
				if strings.Contains(res.body, "{{") || strings.Contains(res.body, "<no value>") {
					t.Errorf("GET %s as %s shows template residue", path, user)
				}
			}
		}
		// The login page, and a signed-in user sent home from it.
		if res := h.anon().do("GET", "/login", nil); res.status != 200 || !strings.Contains(res.body, "账号登录") {
			t.Errorf("login page = %d", res.status)
		}
		if res := tn.sessions["admin"].do("GET", "/login", nil); res.status != 303 {
			t.Errorf("login page when signed in = %d, want 303", res.status)
		}
		if res := tn.sessions["admin"].do("GET", "/nowhere", nil); res.status != 404 || !strings.Contains(res.body, "页面不存在") {
			t.Errorf("unknown page = %d", res.status)
		}
	})
}

// pageScoped: pages an allowed role may still not see for scope reasons.
func pageScoped(path, user string) bool {
	switch user {
	case "town-reg":
		// the own enterprise and person (and their certificate) are outside
		// the town regulator's town
		return strings.HasPrefix(path, "/enterprises/") || strings.HasPrefix(path, "/people/") || path == "/audit" ||
			strings.HasPrefix(path, "/certificates/")
	case "learner":
		// another person than themself (and their certificate); an attempt
		// ID that is not theirs
		return strings.HasPrefix(path, "/people/") || strings.HasPrefix(path, "/attempts/") ||
			strings.HasPrefix(path, "/certificates/") && path != "/certificates/import"
	case "trainer":
		return strings.HasPrefix(path, "/people/")
	}
	return false
}
