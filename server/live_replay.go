package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/course"
	"anpei/lecture"
	"anpei/live/record"
	"anpei/media"
	"anpei/notify"
)

// The replay: when a recorded live lecture ends, its camera file (with the
// sound) becomes a video lesson in the draft of the linked course, where
// honest watch time applies like any lesson, and its screen shares play
// over it in sync (the lesson page asks /api/v1/lessons/{id}/overlays).
// The trainer is told to check the draft and publish it.

// makeReplay turns the finished recording whose manifest is at path into
// session id's replay lesson.
func (s *Server) makeReplay(ctx context.Context, id uint, path string) error {
	dir := filepath.Dir(path)
	m, err := record.ReadManifest(dir)
	if err != nil {
		return err
	}
	var cam *record.SegmentInfo
	for i := range m.Segments {
		if m.Segments[i].Kind == record.Camera {
			cam = &m.Segments[i]
			break
		}
	}
	if cam == nil {
		return fmt.Errorf("the recording has no camera file")
	}
	put := func(name string) (media.Info, error) {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return media.Info{}, err
		}
		defer f.Close()
		return s.deps.Media.Put(ctx, f, s.cfg.MaxMedia, media.Video)
	}
	camInfo, err := put(cam.File)
	if err != nil {
		return fmt.Errorf("store the camera file: %w", err)
	}
	var screens []lecture.ReplayScreen
	for _, seg := range m.Segments {
		if seg.Kind != record.Screen {
			continue
		}
		info, err := put(seg.File)
		if err != nil {
			return fmt.Errorf("store the screen share %s: %w", seg.File, err)
		}
		screens = append(screens, lecture.ReplayScreen{SHA256: info.SHA256, Size: info.Size, OffsetMS: seg.StartMS - cam.StartMS, DurationMS: seg.DurationMS})
	}
	sys := account.System()
	v, err := s.deps.Lectures.Get(ctx, sys, id)
	if err != nil {
		return err
	}
	title := "直播回放：" + v.Title
	if r := []rune(title); len(r) > 100 {
		title = string(r[:100])
	}
	if _, err := s.deps.Courses.AddLesson(ctx, sys, v.CourseID, course.LessonInput{Title: title, Kind: course.KindVideo, Media: &camInfo,
		MediaName: v.Title + ".webm"}); err != nil {
		return fmt.Errorf("add the replay lesson: %w", err)
	}
	if err := s.deps.Lectures.SetReplay(ctx, id, camInfo.SHA256, screens); err != nil {
		return err
	}
	if s.deps.Notices != nil {
		link := "/courses/" + strconv.FormatUint(uint64(v.CourseID), 10) + "/edit"
		_, err := s.deps.Notices.Deliver(ctx, notify.Notice{UserID: v.TrainerID, Kind: "live_replay", Subject: "直播回放已加入课程草稿：" + v.CourseTitle,
			Body: "“" + v.Title + "”的录像已作为课时“" + title + "”加入课程《" + v.CourseTitle + "》的草稿。请检查后发布，未能参加直播的学员即可观看回放补足学时。",
			Link: link, DedupKey: "live-replay-" + strconv.FormatUint(uint64(id), 10)})
		if err != nil {
			return err
		}
	}
	return nil
}

// replayLater makes the replay in the background (storing the files takes
// a while), logging what goes wrong.
func (s *Server) replayLater(id uint, path string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := s.makeReplay(ctx, id, path); err != nil {
			s.logger.Error("live: make the replay lesson", "session", id, "err", err)
			return
		}
		s.logger.Info("live: replay lesson added", "session", id)
	}()
}

// overlay is one screen share of a replay lesson, for the player.
type overlay struct {
	URL        string `json:"url"`
	OffsetMS   int64  `json:"offset_ms"`
	DurationMS int64  `json:"duration_ms"`
}

// replayOverlays lists the screen shares to play over video lesson l, if
// it is a live lecture's replay.
func (s *Server) replayOverlays(ctx context.Context, l course.Lesson) []overlay {
	if s.deps.Lectures == nil || l.Kind != course.KindVideo || l.MediaSHA == "" {
		return nil
	}
	screens, ok, err := s.deps.Lectures.ReplayFor(ctx, l.MediaSHA)
	if err != nil || !ok {
		return nil
	}
	out := make([]overlay, 0, len(screens))
	for i, sc := range screens {
		out = append(out, overlay{URL: "/api/v1/lessons/" + strconv.FormatUint(uint64(l.ID), 10) + "/overlays/" + strconv.Itoa(i),
			OffsetMS: sc.OffsetMS, DurationMS: sc.DurationMS})
	}
	return out
}

// lessonOverlay serves screen share n of a replay lesson to whoever may
// open the lesson.
func (s *Server) lessonOverlay(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 0 {
		s.fail(c, course.ErrLessonNotFound)
		return
	}
	l, _, err := s.deps.Courses.LessonFor(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	screens, ok, err := s.deps.Lectures.ReplayFor(c.Request.Context(), l.MediaSHA)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok || n >= len(screens) {
		s.fail(c, course.ErrLessonNotFound)
		return
	}
	sc := screens[n]
	frameable(c)
	if err := s.deps.Media.Serve(c.Writer, c.Request, media.Info{SHA256: sc.SHA256, MIME: "video/webm", Size: sc.Size, Kind: media.Video}, "屏幕共享.webm"); err != nil {
		s.fail(c, err)
	}
}
