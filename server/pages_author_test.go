package server

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/media"
	"anpei/roster"
)

// authorDemoVideo is the demo lesson video another part of the project
// generates (demo/data/media/make-media.sh); tests that need it skip
// without it.
var authorDemoVideo = filepath.Join("..", "demo", "data", "media", "hazard-intro.webm")

// authorPart is one multipart field; File names a file part.
type authorPart struct {
	Name, Value string
	File        string
	Data        []byte
}

// postParts sends parts in order as multipart/form-data, as the pages do
// (text fields first, the file last).
func (c *client) postParts(path string, parts ...authorPart) response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		if p.File != "" {
			fw, err := w.CreateFormFile(p.Name, p.File)
			if err != nil {
				c.h.t.Fatal(err)
			}
			fw.Write(p.Data)
			continue
		}
		w.WriteField(p.Name, p.Value)
	}
	w.Close()
	return c.send("POST", path, &body, w.FormDataContentType(), true)
}

// authorCourse creates a draft course as c and returns its ID.
func authorCourse(t *testing.T, c *client, title string) uint {
	t.Helper()
	res := c.do("POST", "/api/v1/courses", map[string]any{"title": title, "category": "hazard_standard", "description": "测试课程",
		"audience": map[string]any{"categories": []string{"special_operator"}}})
	if res.status != 201 {
		t.Fatalf("create course = %d %s", res.status, res.body)
	}
	var v course.CourseView
	res.decode(t, &v)
	return v.ID
}

// authorPNG is a small valid PNG (a scanned sign-in sheet stand-in).
func authorPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 20))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.Gray{Y: 0x80})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAuthorPagesAccess: the editor pages open for trainers and the admin
// only, the training page for the roster's staff within their scope.
func TestAuthorPagesAccess(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		id := authorCourse(t, tn.sessions["trainer"], "有限空间作业安全")
		edit := "/courses/" + itoa(id) + "/edit"
		training := "/enterprises/" + itoa(tn.ownEnt) + "/training"

		for _, tc := range []struct {
			path  string
			users map[string]int
			has   string
		}{
			{"/courses/new", map[string]int{"admin": 200, "trainer": 200, "regulator": 403, "enterprise": 403, "learner": 403}, "保存草稿并添加课时"},
			{edit, map[string]int{"admin": 200, "trainer": 200, "regulator": 403, "enterprise": 403, "learner": 403}, "草稿 v1，尚未发布"},
			{training, map[string]int{"admin": 200, "regulator": 200, "enterprise": 200, "town-reg": 404, "trainer": 403, "learner": 403}, "未完成培训要求的人员"},
		} {
			for user, want := range tc.users {
				res := tn.sessions[user].do("GET", tc.path, nil)
				if res.status != want {
					t.Errorf("GET %s as %s = %d, want %d", tc.path, user, res.status, want)
				}
				if want == 200 && !strings.Contains(res.body, tc.has) {
					t.Errorf("GET %s as %s lacks %q", tc.path, user, tc.has)
				}
			}
			if res := h.anon().do("GET", tc.path, nil); res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
				t.Errorf("GET %s signed out = %d → %q, want 303 to the login page", tc.path, res.status, res.header.Get("Location"))
			}
		}

		// A course that does not exist, and another enterprise's training.
		if res := tn.sessions["trainer"].do("GET", "/courses/999999/edit", nil); res.status != 404 {
			t.Errorf("editing a missing course = %d, want 404", res.status)
		}
		other := "/enterprises/" + itoa(tn.otherEnt) + "/training"
		if res := tn.sessions["enterprise"].do("GET", other, nil); res.status != 404 || strings.Contains(res.body, "登记线下培训") {
			t.Errorf("enterprise admin opens another enterprise's training page = %d, want 404", res.status)
		}
		if res := tn.sessions["town-reg"].do("GET", other, nil); res.status != 200 {
			t.Errorf("town regulator opens a training page of their town = %d, want 200", res.status)
		}

		// Only those who may record offline training get the form.
		for user, form := range map[string]bool{"admin": true, "enterprise": true, "regulator": false} {
			res := tn.sessions[user].do("GET", training, nil)
			if got := strings.Contains(res.body, `id="offline-form"`); got != form {
				t.Errorf("training page as %s shows the offline form: %v, want %v", user, got, form)
			}
		}

		// The form's category choices: the three levels first, then the rest.
		res := tn.sessions["enterprise"].do("GET", training, nil)
		plant, team, law := strings.Index(res.body, `value="plant_level"`), strings.Index(res.body, `value="team_level"`), strings.Index(res.body, `value="law"`)
		if plant < 0 || team < plant || law < team {
			t.Errorf("offline categories not offered as 厂级, 车间级, 班组级 then the others (%d %d %d)", plant, team, law)
		}
	})
}

// TestTrainingPageListsBehind: the training page shows the people who are
// behind with their requirement and a link to them, the counts, the export
// link, and filters by status on the server.
func TestTrainingPageListsBehind(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ctx := context.Background()
		rows, err := h.courses.Behind(ctx, account.System(), tn.ownEnt)
		if err != nil || len(rows) == 0 {
			t.Fatalf("behind = %d rows, %v; the demo enterprise should have people behind", len(rows), err)
		}
		first := rows[0]
		page := "/enterprises/" + itoa(tn.ownEnt) + "/training"
		res := tn.sessions["enterprise"].do("GET", page, nil)
		if res.status != 200 {
			t.Fatalf("training page = %d", res.status)
		}
		for _, want := range []string{
			`<a href="/people/` + itoa(first.PersonID) + `">` + first.Name + `</a>`,
			first.Requirement.Label, first.Requirement.StatusLabel,
			`href="/api/v1/enterprises/` + itoa(tn.ownEnt) + `/behind.xlsx"`,
			"共 " + strconv.Itoa(len(rows)) + " 条",
		} {
			if !strings.Contains(res.body, want) {
				t.Errorf("training page lacks %q", want)
			}
		}
		// Filtering by a status shows only rows of that status.
		status := string(first.Requirement.Status)
		res = tn.sessions["enterprise"].do("GET", page+"?status="+status, nil)
		want := 0
		for _, r := range rows {
			if string(r.Requirement.Status) == status {
				want++
			}
		}
		if n := strings.Count(res.body, `data-status="`+status+`"`); n != min(want, behindPage) || strings.Count(res.body, `data-status="`) != n {
			t.Errorf("filter %s shows %d rows of %d, want %d", status, n, strings.Count(res.body, `data-status="`), want)
		}
		// The export the page links to is a workbook.
		res = tn.sessions["enterprise"].do("GET", "/api/v1/enterprises/"+itoa(tn.ownEnt)+"/behind.xlsx", nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), xlsxType) {
			t.Errorf("export = %d %s", res.status, res.header.Get("Content-Type"))
		}
	})
}

// TestLessonUploadThroughPages: the add-lesson endpoint the editor posts
// to refuses an HTML file named .mp4 by its content (415, in Chinese),
// takes the demo WebM with its real duration, serves it in ranges, and
// the editor then shows the lesson, the 学时 and, once published, the
// version.
func TestLessonUploadThroughPages(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		tr := tn.sessions["trainer"]
		id := authorCourse(t, tr, "重大事故隐患判定标准")
		lessons := "/api/v1/courses/" + itoa(id) + "/lessons"

		fake := []byte("<!doctype html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>")
		res := tr.postParts(lessons, authorPart{Name: "title", Value: "冒充的视频"}, authorPart{Name: "kind", Value: "video"},
			authorPart{Name: "file", File: "培训视频.mp4", Data: fake})
		if res.status != 415 || res.errCode() != "media_type_unsupported" || !strings.Contains(res.body, "文件类型不支持") {
			t.Fatalf("HTML named .mp4 = %d %s, want 415 media_type_unsupported in Chinese", res.status, res.body)
		}

		// Publishing an empty draft says what is missing.
		res = tr.do("POST", "/api/v1/courses/"+itoa(id)+"/publish", nil)
		if res.status != 422 || !strings.Contains(res.body, "请至少添加一个课时") {
			t.Errorf("publishing an empty course = %d %s, want 422 naming the lessons", res.status, res.body)
		}

		video, err := os.ReadFile(authorDemoVideo)
		if err != nil {
			t.Skipf("demo video not generated (%v): the upload and range cases are skipped", err)
		}
		info, err := media.Inspect(bytes.NewReader(video), int64(len(video)), media.Video)
		if err != nil {
			t.Fatalf("inspect demo video: %v", err)
		}
		res = tr.postParts(lessons, authorPart{Name: "title", Value: "视频导学"}, authorPart{Name: "kind", Value: "video"},
			authorPart{Name: "minutes", Value: ""}, authorPart{Name: "file", File: "hazard-intro.webm", Data: video})
		if res.status != 201 {
			t.Fatalf("upload webm = %d %s", res.status, res.body)
		}
		var l course.Lesson
		res.decode(t, &l)
		if l.Kind != course.KindVideo || l.DurationMS != info.Duration.Milliseconds() || l.DurationMS < 89_000 || l.DurationMS > 91_000 {
			t.Fatalf("video lesson = %+v, want a video of %v (about 90 s)", l, info.Duration)
		}

		req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1/lessons/"+itoa(l.ID)+"/media", nil)
		req.Header.Set("Range", "bytes=0-99")
		got, err := tr.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != 206 || len(part) != 100 || !bytes.Equal(part, video[:100]) ||
			got.Header.Get("Content-Range") != "bytes 0-99/"+strconv.Itoa(len(video)) || got.Header.Get("Content-Type") != "video/webm" {
			t.Fatalf("range request = %d, %d bytes, %q %q", got.StatusCode, len(part), got.Header.Get("Content-Range"), got.Header.Get("Content-Type"))
		}

		// A text lesson through the same multipart form.
		res = tr.postParts(lessons, authorPart{Name: "title", Value: "判定要点"}, authorPart{Name: "kind", Value: "text"},
			authorPart{Name: "minutes", Value: "2"}, authorPart{Name: "body", Value: "<h3>要点</h3><p>" + strings.Repeat("发现重大事故隐患应当立即停止作业并报告。", 20) + "</p><script>x()</script>"})
		if res.status != 201 {
			t.Fatalf("text lesson = %d %s", res.status, res.body)
		}

		// A lesson added by mistake is deleted from the draft.
		res = tr.do("POST", lessons, map[string]any{"title": "多余的课时", "kind": "text", "body": "<p>" + strings.Repeat("多余", 100) + "</p>"})
		var extra course.Lesson
		res.decode(t, &extra)
		if res := tr.do("DELETE", lessons+"/"+itoa(extra.ID), nil); res.status != 204 {
			t.Fatalf("delete lesson = %d %s", res.status, res.body)
		}

		edit := "/courses/" + itoa(id) + "/edit"
		page := tr.do("GET", edit, nil)
		if strings.Contains(page.body, "多余的课时") {
			t.Error("editor still lists a deleted lesson")
		}
		total := time.Duration(l.DurationMS)*time.Millisecond + 2*time.Minute
		hrs := course.CourseHours(total).String()
		for _, want := range []string{"视频导学", "判定要点", "hazard-intro.webm", spell(l.DurationMS), "课程总时长 <strong>" + spell(total.Milliseconds()) + "</strong>",
			"折合 <strong>" + hrs + " 学时</strong>", "每 30 分钟 1 学时，按课程内容计算，不能手工增加", "发布 v1"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("editor lacks %q", want)
			}
		}
		if res := tr.do("POST", "/api/v1/courses/"+itoa(id)+"/publish", nil); res.status != 200 {
			t.Fatalf("publish = %d %s", res.status, res.body)
		}
		page = tr.do("GET", edit, nil)
		if !strings.Contains(page.body, `id="c-status">已发布 v1</span>`) || !strings.Contains(page.body, "会生成草稿 v2") {
			t.Errorf("editor after publishing lacks the published banner")
		}
		// Editing the published course starts draft v2 while learners keep v1.
		if res := tr.do("PATCH", "/api/v1/courses/"+itoa(id)+"/lessons/"+itoa(l.ID), map[string]any{"title": "视频导学（修订）"}); res.status != 204 {
			t.Fatalf("patch published lesson = %d %s", res.status, res.body)
		}
		page = tr.do("GET", edit, nil)
		if !strings.Contains(page.body, "草稿 v2，已发布 v1：学员仍在学习 v1，发布后生效") || !strings.Contains(page.body, "视频导学（修订）") {
			t.Errorf("editor after a change lacks the draft v2 banner")
		}
	})
}

// TestOfflineTrainingThroughPage: an enterprise admin records an offline
// 班组级 session with a PNG sign-in sheet through the multipart endpoint
// the page posts to; the record and its sheet link show on the page and
// the attendees are credited the minutes.
func TestOfflineTrainingThroughPage(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ctx := context.Background()
		ent := tn.sessions["enterprise"]
		people, _, err := h.roster.ListPeople(ctx, account.System(), roster.PersonFilter{EnterpriseID: tn.ownEnt, DutyStatus: roster.DutyOn, Limit: 2})
		if err != nil || len(people) < 2 {
			t.Fatalf("own people: %v", err)
		}
		page := "/enterprises/" + itoa(tn.ownEnt) + "/training"
		body := ent.do("GET", page, nil).body
		for _, p := range people {
			if !strings.Contains(body, `name="person_ids" value="`+itoa(p.ID)+`"`) {
				t.Fatalf("attendee list lacks %s", p.Name)
			}
		}
		ids := itoa(people[0].ID) + "," + itoa(people[1].ID)
		url := "/api/v1/enterprises/" + itoa(tn.ownEnt) + "/offline-trainings"
		fields := func(minutes string) []authorPart {
			return []authorPart{{Name: "category", Value: "team_level"}, {Name: "date", Value: "2026-03-01"}, {Name: "minutes", Value: minutes},
				{Name: "content", Value: "班组岗位安全操作规程与应急处置"}, {Name: "teacher", Value: "王班长"}, {Name: "place", Value: "二车间班组活动室"},
				{Name: "person_ids", Value: ids}}
		}
		// Errors come per field.
		res := ent.postParts(url, fields("0")...)
		if res.status != 400 || !strings.Contains(res.body, `"field":"minutes"`) {
			t.Errorf("0 minutes = %d %s, want 400 on the minutes field", res.status, res.body)
		}
		res = ent.postParts(url, append(fields("90"), authorPart{Name: "sheet", File: "签到表.png", Data: []byte("<html>not a scan</html>")})...)
		if res.status != 415 {
			t.Errorf("an HTML sign-in sheet = %d %s, want 415", res.status, res.body)
		}

		before, err := h.courses.HoursOf(ctx, account.System(), people[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		res = ent.postParts(url, append(fields("90"), authorPart{Name: "sheet", File: "签到表.png", Data: authorPNG(t)})...)
		if res.status != 201 {
			t.Fatalf("record offline = %d %s", res.status, res.body)
		}
		var rec course.OfflineView
		res.decode(t, &rec)
		if rec.Attendees != 2 || !rec.HasSheet || rec.Hours != "2" {
			t.Errorf("record = %+v, want 2 attendees, a sheet and 2 学时 (90 min ÷ 45)", rec)
		}
		after, err := h.courses.HoursOf(ctx, account.System(), people[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.OfflineMinutes != before.OfflineMinutes+90 {
			t.Errorf("offline minutes %d → %d, want +90", before.OfflineMinutes, after.OfflineMinutes)
		}
		body = ent.do("GET", page, nil).body
		for _, want := range []string{"班组级安全教育", "班组岗位安全操作规程与应急处置", "王班长", "90 分钟", "2 学时",
			`href="/api/v1/offline-trainings/` + itoa(rec.ID) + `/sheet"`} {
			if !strings.Contains(body, want) {
				t.Errorf("training page lacks %q after recording", want)
			}
		}
		sheet := ent.do("GET", "/api/v1/offline-trainings/"+itoa(rec.ID)+"/sheet", nil)
		if sheet.status != 200 || sheet.header.Get("Content-Type") != "image/png" {
			t.Errorf("sheet = %d %s", sheet.status, sheet.header.Get("Content-Type"))
		}
		// The regulator reads the record but gets no form.
		body = tn.sessions["regulator"].do("GET", page, nil).body
		if !strings.Contains(body, "王班长") || strings.Contains(body, `id="offline-form"`) {
			t.Errorf("regulator's training page: record shown %v, form shown %v", strings.Contains(body, "王班长"), strings.Contains(body, `id="offline-form"`))
		}
	})
}

func TestSpell(t *testing.T) {
	for ms, want := range map[int64]string{0: "0 秒", 45_000: "45 秒", 90_008: "1 分 30 秒", 240_000: "4 分钟", 3_900_000: "1 小时 5 分", 3_600_000: "1 小时"} {
		if got := spell(ms); got != want {
			t.Errorf("spell(%d) = %q, want %q", ms, got, want)
		}
	}
}
