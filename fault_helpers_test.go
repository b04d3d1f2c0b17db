package main

// Helpers shared by the fault tests (fault_*_test.go): the binary, the
// seed beyond the crash test's (a video course, an enterprise admin), the
// load generators (heartbeats, roster imports, exam answers) that record
// what the server acknowledged, and the checks of the database afterwards.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db"
	"anpei/ident"
	"anpei/media"
	"anpei/pii"
	"anpei/roster"
)

// faultBuild builds the binary into t's temporary directory.
func faultBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "anpei")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// faultQuiet is a logger for the stores the tests open themselves.
func faultQuiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// faultSeed is what seedFaultExtras adds to the crash test's seed.
type faultSeed struct {
	enterpriseID uint
	lessonID     uint  // a published video lesson every candidate may watch
	lessonMS     int64 // its duration
	admin        *crashCandidate
}

// seedFaultExtras adds, to a database seeded by seedCrashExam, an
// enterprise admin of the candidates' enterprise ("fault-admin") and a
// published course with the demo video as its one lesson, whose file goes
// into data/uploads as the binary's media store keeps it.
func seedFaultExtras(t *testing.T, data, dsn string) faultSeed {
	t.Helper()
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, dsn, data, faultQuiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	keys, err := pii.LoadOrCreate(data)
	if err != nil {
		t.Fatal(err)
	}
	rs := roster.NewStore(gdb, keys, time.Now)
	as := account.NewStore(gdb, account.Options{BcryptCost: bcrypt.MinCost, PersonEnterprise: rs.PersonEnterprise})
	cs, err := course.NewStore(gdb, fromroster.Options(rs))
	if err != nil {
		t.Fatal(err)
	}
	var ent roster.Enterprise
	if err := gdb.Where("name = ?", "曲靖安培化工有限公司").First(&ent).Error; err != nil {
		t.Fatal(err)
	}
	admin := &crashCandidate{username: "fault-admin", ip: "10.78.0.1"}
	if _, err := as.CreateUser(ctx, account.System(), account.NewUser{Username: admin.username, Name: "企业管理员", Role: account.RoleEnterpriseAdmin,
		EnterpriseID: ent.ID, Password: crashPassword}); err != nil {
		t.Fatal(err)
	}
	ms, err := media.NewStore(filepath.Join(data, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	video, err := os.ReadFile("demo/data/media/hazard-intro.mp4")
	if err != nil {
		t.Fatal(err)
	}
	info, err := ms.Put(ctx, bytes.NewReader(video), int64(len(video))+1, media.Video)
	if err != nil {
		t.Fatal(err)
	}
	sys := account.System()
	c, err := cs.CreateCourse(ctx, sys, course.CourseInput{Title: "危险化学品作业安全视频课", Description: "故障测试用课程", Category: "hazard_standard",
		Audience: course.Audience{Categories: []string{"special_operator"}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := cs.AddLesson(ctx, sys, c.ID, course.LessonInput{Title: "视频：认识重大事故隐患", Kind: course.KindVideo, Media: &info, MediaName: "hazard-intro.mp4"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Publish(ctx, sys, c.ID); err != nil {
		t.Fatal(err)
	}
	// The published version's lesson (publishing copies the draft).
	pub, err := cs.Course(ctx, sys, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	s := faultSeed{enterpriseID: ent.ID, admin: admin}
	for _, pl := range pub.Lessons {
		if pl.Kind == course.KindVideo {
			s.lessonID = pl.ID
		}
	}
	if s.lessonID == 0 {
		t.Fatalf("published course %d has no video lesson (draft lesson %d)", c.ID, l.ID)
	}
	return s
}

// faultCall is one request of the load with how long it took.
type faultCall struct {
	what   string
	status int // 0: no answer (transport error)
	err    string
	took   time.Duration
}

// faultRecorder collects every call of a load, to assert afterwards that
// none took longer than the bound.
type faultRecorder struct {
	mu    sync.Mutex
	calls []faultCall
}

func (r *faultRecorder) add(c faultCall) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

// summary counts calls by status and returns the slowest ones.
func (r *faultRecorder) summary() (byStatus map[int]int, slowest []faultCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byStatus = map[int]int{}
	for _, c := range r.calls {
		byStatus[c.status]++
	}
	slowest = append([]faultCall(nil), r.calls...)
	sort.Slice(slowest, func(i, j int) bool { return slowest[i].took > slowest[j].took })
	return byStatus, slowest[:min(5, len(slowest))]
}

// faultSend sends a request as c (session cookie, CSRF token, own address)
// and records it; it returns the status (0 when no complete answer came)
// and the body.
func faultSend(hc *http.Client, rec *faultRecorder, base string, c *crashCandidate, what, method, path, ctype string, body []byte) (int, []byte) {
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		rec.add(faultCall{what: what, err: err.Error(), took: time.Since(start)})
		return 0, nil
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil {
		rec.add(faultCall{what: what, err: err.Error(), took: took})
		return 0, nil
	}
	rec.add(faultCall{what: what, status: res.StatusCode, took: took})
	return res.StatusCode, b
}

// beater is a learner sending heartbeats for one playback session, with
// what the server acknowledged. Only its own goroutine writes it.
type beater struct {
	c        *crashCandidate
	session  string
	nonce    []byte
	began    time.Time // when the session started, to derive positions
	duration int64     // of the lesson, ms
	lastSeq  uint64    // the last seq sent
	credited int64     // sum of credited_ms over acknowledged heartbeats
	accepted int       // acknowledged and accepted heartbeats
	lastAck  uint64    // seq of the last acknowledged heartbeat
	ackPos   int64     // its position
	ackAt    time.Time // when it was sent (at first: when the session was asked for)
	// unsureMS bounds what heartbeats without a successful answer may
	// have credited: a heartbeat never credits more than the wall-clock
	// time since the session's previous accepted one, so a run of
	// unanswered heartbeats credits at most the time from sending the
	// last acknowledged one to the end of the last unanswered one
	// (runMS while the run lasts).
	unsureMS, runMS int64
	inflight        []beatSent
}

// beatSent is a heartbeat whose answer did not arrive (or was an error):
// whether it was committed is unknown.
type beatSent struct {
	seq uint64
	pos int64
	at  time.Time // when it was sent
}

func (b *beater) body(seq uint64, pos int64) []byte {
	return []byte(fmt.Sprintf(`{"seq":%d,"position_ms":%d,"playing":true,"token":%q}`, seq, pos, course.Sign(b.nonce, b.session, seq, time.Duration(pos)*time.Millisecond)))
}

// startPlayback opens b's session on the lesson.
func (b *beater) startPlayback(hc *http.Client, rec *faultRecorder, base string, lesson uint) error {
	b.ackAt = time.Now()
	status, raw := faultSend(hc, rec, base, b.c, "playback", "POST", fmt.Sprintf("/api/v1/lessons/%d/playback", lesson), "", nil)
	if status != 201 {
		return fmt.Errorf("start playback = %d %.300s", status, raw)
	}
	var st course.PlaybackStart
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	nonce, err := hex.DecodeString(st.Nonce)
	if err != nil {
		return err
	}
	b.session, b.nonce, b.began, b.duration = st.ID, nonce, time.Now(), st.DurationMS
	return nil
}

// beat sends the next heartbeat at the wall-clock position and records
// the outcome. It returns the status (0 when no answer came).
func (b *beater) beat(hc *http.Client, rec *faultRecorder, base string) (int, error) {
	b.lastSeq++
	seq := b.lastSeq
	pos := min(time.Since(b.began).Milliseconds(), b.duration-1)
	at := time.Now()
	status, raw := faultSend(hc, rec, base, b.c, "heartbeat", "POST", "/api/v1/playback/"+b.session+"/heartbeat", "application/json", b.body(seq, pos))
	if status != 200 {
		b.inflight = append(b.inflight, beatSent{seq: seq, pos: pos, at: at})
		b.runMS = time.Since(b.ackAt).Milliseconds() + 1
		if status != 0 && status < 500 {
			return status, fmt.Errorf("heartbeat %d = %d %.300s", seq, status, raw)
		}
		return status, nil
	}
	var res course.BeatResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return status, err
	}
	if !res.Accepted {
		return status, fmt.Errorf("heartbeat %d answered 200 but not accepted: %.300s", seq, raw)
	}
	b.credited += res.CreditedMS
	b.accepted++
	b.lastAck, b.ackPos, b.ackAt = seq, pos, at
	b.unsureMS += b.runMS
	b.runMS = 0
	return status, nil
}

// faultRosterBook is a roster workbook of n special operators of batch
// (names 导入<batch>-<i>, ID numbers unique per batch and row).
func faultRosterBook(t *testing.T, batch, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "人员名单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	header := []any{"证件类型", "证件号码", "姓名", "手机号", "学历", "人员类别", "准操项目", "岗位", "在岗状态", "上岗日期", "离岗日期", "用工形式"}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		t.Fatal(err)
	}
	birth := time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, batch)
	for i := range n {
		row := []any{"居民身份证", ident.MakeResidentID("530302", birth, i, i%2 == 0), faultImportName(batch, i), "13912345678", "高中/中专/技校",
			"特种作业人员", "1.1 高压电工作业", "电工", "在岗", "2024-03-01", "", "正式"}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(header), n+1)
	if err := f.SetSheetDimension(sheet, "A1:"+last); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func faultImportName(batch, i int) string { return fmt.Sprintf("导入%d-%03d", batch, i) }

// multipartFile returns a multipart body with one file field and its
// content type.
func multipartFile(field, name string, content []byte, fields map[string]string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(content)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// importer imports roster batches one after another and records which
// were acknowledged (200 with every row created) and which were sent
// without a successful answer.
type importer struct {
	c         *crashCandidate
	rows      int
	next      int
	books     map[int][]byte
	acked     []int
	uncertain []int
}

// importOne sends the next batch. It returns the status.
func (im *importer) importOne(t *testing.T, hc *http.Client, rec *faultRecorder, base string) (int, error) {
	batch := im.next
	im.next++
	book := im.books[batch]
	if book == nil {
		book = faultRosterBook(t, batch, im.rows)
	}
	body, ctype := multipartFile("file", fmt.Sprintf("roster-%d.xlsx", batch), book, nil)
	status, raw := faultSend(hc, rec, base, im.c, "import", "POST", "/api/v1/people/import", ctype, body)
	if status != 200 {
		im.uncertain = append(im.uncertain, batch)
		if status != 0 && status < 500 {
			return status, fmt.Errorf("import %d = %d %.300s", batch, status, raw)
		}
		return status, nil
	}
	var rep importJSONOut
	if err := json.Unmarshal(raw, &rep); err != nil || rep.Created != im.rows {
		return status, fmt.Errorf("import %d answered %.300s (%v), want %d created", batch, raw, err, im.rows)
	}
	im.acked = append(im.acked, batch)
	return status, nil
}

type importJSONOut struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// checkImports counts, in the database, the people of every batch: an
// acknowledged batch must be all there, one without an answer all there
// or all absent.
func checkImports(t *testing.T, gdb *gorm.DB, im *importer) (whole, absent int) {
	t.Helper()
	count := func(batch int) int64 {
		var n int64
		if err := gdb.Model(&roster.Person{}).Where("name LIKE ?", fmt.Sprintf("导入%d-%%", batch)).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, b := range im.acked {
		if n := count(b); n != int64(im.rows) {
			t.Errorf("acknowledged import %d: %d of its %d people in the database", b, n, im.rows)
		}
		whole++
	}
	for _, b := range im.uncertain {
		switch n := count(b); n {
		case int64(im.rows):
			whole++
		case 0:
			absent++
		default:
			t.Errorf("import %d (no successful answer): %d of its %d people in the database: half an import", b, n, im.rows)
		}
	}
	return whole, absent
}

// checkAudit verifies the hash chain of the audit ledger: a half-written
// transaction would leave an entry without its change or a broken link.
func checkAudit(t *testing.T, gdb *gorm.DB) int {
	t.Helper()
	res, err := audit.Verify(context.Background(), gdb)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Errorf("audit ledger broken at %d: %s", res.BrokenSeq, res.Reason)
	}
	return res.Checked
}

// checkCredits compares each beater's ledger with what the server
// acknowledged: the sum of the person's training_credits is at least the
// credited_ms of its acknowledged heartbeats and exceeds it by no more
// than its unanswered heartbeats could have credited (exactly equal when
// every heartbeat was answered), and the credited segments of the lesson
// never overlap (no second of the video credited twice). It returns the
// ledger's total and the part of it no acknowledgement accounts for.
func checkCredits(t *testing.T, gdb *gorm.DB, beaters []*beater, personOf map[string]uint, lesson uint) (totalMS, unackedMS int64) {
	t.Helper()
	wrong := 0
	for _, b := range beaters {
		var rows []course.CreditEntry
		if err := gdb.Where("person_id = ?", personOf[b.c.username]).Order("seg_start").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var sum, end int64
		for i, r := range rows {
			sum += r.MS
			if (r.LessonID != lesson || r.SessionID != b.session) && wrong < 5 {
				wrong++
				t.Errorf("%s: credit row %d is for lesson %d session %s, want %d %s", b.c.username, r.ID, r.LessonID, r.SessionID, lesson, b.session)
			}
			if i > 0 && r.SegStart < end && wrong < 5 {
				wrong++
				t.Errorf("%s: credited segment [%d,%d) overlaps the one before (ending %d): credited twice", b.c.username, r.SegStart, r.SegEnd, end)
			}
			end = max(end, r.SegEnd)
		}
		if extra := sum - b.credited; (extra < 0 || extra > b.unsureMS+b.runMS) && wrong < 5 {
			wrong++
			t.Errorf("%s: %d ms in the ledger, %d ms acknowledged over %d heartbeats (unanswered ones could add at most %d ms)",
				b.c.username, sum, b.credited, b.accepted, b.unsureMS+b.runMS)
		}
		totalMS += sum
		unackedMS += sum - b.credited
	}
	return totalMS, unackedMS
}

// personIDs maps usernames to their person IDs.
func personIDs(t *testing.T, gdb *gorm.DB) map[string]uint {
	t.Helper()
	var users []struct {
		Username string
		PersonID uint
	}
	if err := gdb.Table("users").Select("username, person_id").Where("person_id > 0").Scan(&users).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]uint{}
	for _, u := range users {
		out[u.Username] = u.PersonID
	}
	return out
}

// statusLine formats a status count for the logs.
func statusLine(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, m[k]))
	}
	return strings.Join(parts, ", ")
}
