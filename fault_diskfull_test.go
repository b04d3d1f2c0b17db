package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"anpei/account"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// TestFaultDiskFullUpload gives the binary a data directory on a 24 MB
// tmpfs (SQLite database, keys and uploads all on it), stores one lesson
// video, fills the disk to 4 MB free and uploads a 10 MB video. The upload
// must be refused with 507 and a Chinese message saying the disk is full
// (not a bare 500), leave no temporary or partial file in uploads and give
// the space back, while the earlier video stays intact; the server keeps
// serving (/healthz and /readyz 200, a new sign-in, the earlier video
// served byte for byte), a video uploaded after space is freed is stored
// and served, and after a clean stop the database passes SQLite's
// integrity check with both lessons in it.
//
// Mounting needs root: the test is skipped otherwise, and fails under
// ANPEI_TEST_REQUIRE_ALL=1 (CI runs as root).
func TestFaultDiskFullUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("ANPEI_TEST_REQUIRE_ALL") == "1" {
			t.Fatalf(format+" but ANPEI_TEST_REQUIRE_ALL=1: the disk-full test is mandatory", args...)
		}
		t.Skipf(format+": disk-full test skipped", args...)
	}
	if os.Geteuid() != 0 {
		skip("not root (mounting a tmpfs needs it)")
	}
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m,mode=0750", "tmpfs", data).CombinedOutput(); err != nil {
		skip("mount -t tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", data).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s; detaching it lazily", data, err, out)
			exec.Command("umount", "-l", data).Run()
		}
	})
	bin := faultBuild(t)
	courseID := seedDiskFull(t, data)
	srv := startCrashServer(t, bin, data, "")
	defer srv.stop(t)
	hc := &http.Client{Timeout: 60 * time.Second}
	trainer := &crashCandidate{username: "disk-trainer", ip: "10.79.0.1"}
	if err := crashLogin(hc, srv.base, trainer); err != nil {
		t.Fatal(err)
	}
	uploads := filepath.Join(data, "uploads")
	upload := func(title, name string, content []byte) (int, []byte) {
		body, ctype := multipartFile("file", name, content, map[string]string{"title": title, "kind": "video"})
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/courses/%d/lessons", srv.base, courseID), bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Cookie", trainer.cookie)
		req.Header.Set("X-CSRF-Token", trainer.csrf)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	fetch := func(lesson uint) []byte {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/lessons/%d/media?draft=1", srv.base, lesson), nil)
		req.Header.Set("Cookie", trainer.cookie)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET lesson %d media = %d %.300s", lesson, res.StatusCode, b)
		}
		return b
	}

	// An earlier upload, stored before the disk fills.
	mp4, err := os.ReadFile("demo/data/media/hazard-intro.mp4")
	if err != nil {
		t.Fatal(err)
	}
	status, raw := upload("视频：认识重大事故隐患", "hazard-intro.mp4", mp4)
	if status != 201 {
		t.Fatalf("first upload = %d %.300s", status, raw)
	}
	var first course.Lesson
	if err := json.Unmarshal(raw, &first); err != nil {
		t.Fatal(err)
	}
	if got := fetch(first.ID); !bytes.Equal(got, mp4) {
		t.Fatalf("the first video comes back as %d bytes, stored %d", len(got), len(mp4))
	}
	before := uploadFiles(t, uploads)

	// Fill the disk to 4 MB free, then upload 10 MB.
	filler := filepath.Join(data, "filler")
	fill := freeBytes(t, data) - 4<<20
	if fill <= 0 {
		t.Fatalf("only %d bytes free on the tmpfs before filling", freeBytes(t, data))
	}
	if err := os.WriteFile(filler, make([]byte, fill), 0o600); err != nil {
		t.Fatal(err)
	}
	freeFull := freeBytes(t, data)
	big := make([]byte, 10<<20)
	copy(big, mp4[:4096]) // an MP4 start; the rest never fits
	rand.Read(big[4096:])
	began := time.Now()
	status, raw = upload("视频：超出剩余空间", "too-big.mp4", big)
	took := time.Since(began)
	var fe struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(raw, &fe)
	if status != http.StatusInsufficientStorage || fe.Error.Code != "media_disk_full" || !strings.Contains(fe.Error.Message, "磁盘空间不足") {
		t.Errorf("upload of 10 MB with %d bytes free = %d %s; want 507 media_disk_full saying 磁盘空间不足", freeFull, status, raw)
	}
	t.Logf("10 MB upload with %.1f MB free: %d %s (in %v)", float64(freeFull)/(1<<20), status, fe.Error.Message, took.Round(time.Millisecond))

	// Nothing half-written stays, the space is given back, the old file
	// is intact.
	if after := uploadFiles(t, uploads); !slices.Equal(after, before) {
		t.Errorf("uploads after the failed upload: %v; before: %v", after, before)
	}
	if free := freeBytes(t, data); free < freeFull-(256<<10) {
		t.Errorf("%d bytes free after the failed upload, %d before it: its temporary file was kept", free, freeFull)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, err := hc.Get(srv.base + path); err != nil || res.StatusCode != 200 {
			t.Errorf("GET %s with the disk full: %v %v", path, res, err)
		} else {
			res.Body.Close()
		}
	}
	again := &crashCandidate{username: "disk-trainer", ip: "10.79.0.2"}
	if err := crashLogin(hc, srv.base, again); err != nil {
		t.Errorf("sign-in with the disk full: %v", err)
	}
	if got := fetch(first.ID); !bytes.Equal(got, mp4) {
		t.Errorf("the first video after the failed upload: %d bytes, stored %d", len(got), len(mp4))
	}

	// Space freed: the next upload works.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	webm, err := os.ReadFile("demo/data/media/hazard-intro.webm")
	if err != nil {
		t.Fatal(err)
	}
	status, raw = upload("视频：空间释放后重新上传", "hazard-intro.webm", webm)
	if status != 201 {
		t.Fatalf("upload after freeing space = %d %.300s", status, raw)
	}
	var second course.Lesson
	json.Unmarshal(raw, &second)
	if got := fetch(second.ID); !bytes.Equal(got, webm) {
		t.Errorf("the video uploaded after freeing space comes back as %d bytes, sent %d", len(got), len(webm))
	}
	srv.stop(t)

	// The database is whole and holds both lessons, nothing of the refused one.
	gdb, _, err := db.Open(context.Background(), "", data, faultQuiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	var check string
	if err := gdb.Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	var titles []string
	if err := gdb.Table("lessons").Order("id").Pluck("title", &titles).Error; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(titles, []string{"视频：认识重大事故隐患", "视频：空间释放后重新上传"}) {
		t.Errorf("lessons in the database: %q", titles)
	}
	files := uploadFiles(t, uploads)
	want := []string{sha(mp4), sha(webm)}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("uploads at the end: %v, want %v", files, want)
	}
	t.Logf("afterwards: no temporary file, %d files in uploads (the two videos), database integrity ok, lessons %q", len(files), titles)
}

// seedDiskFull migrates the SQLite database in data and adds a trainer
// (disk-trainer) and a draft course; it returns the course's ID.
func seedDiskFull(t *testing.T, data string) uint {
	t.Helper()
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, "", data, faultQuiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	if err := schema.Migrate(ctx, gdb); err != nil {
		t.Fatal(err)
	}
	keys, err := pii.LoadOrCreate(data)
	if err != nil {
		t.Fatal(err)
	}
	rs := roster.NewStore(gdb, keys, time.Now)
	as := account.NewStore(gdb, account.Options{BcryptCost: bcrypt.MinCost, PersonEnterprise: rs.PersonEnterprise})
	if _, err := as.CreateUser(ctx, account.System(), account.NewUser{Username: "disk-trainer", Name: "培训教师", Role: account.RoleTrainer, Password: crashPassword}); err != nil {
		t.Fatal(err)
	}
	cs, err := course.NewStore(gdb, fromroster.Options(rs))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cs.CreateCourse(ctx, account.System(), course.CourseInput{Title: "磁盘写满测试课程", Description: "故障测试", Category: "hazard_standard",
		Audience: course.Audience{Categories: []string{"special_operator"}}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// uploadFiles lists every file under dir (stored files and any temporary
// one), by name, sorted.
func uploadFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return fmt.Sprintf("%x", h)
}
