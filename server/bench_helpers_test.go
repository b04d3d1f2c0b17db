package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"anpei/account"
	"anpei/course"
)

// Helpers shared by the replay-attack test and the heartbeat benchmark.

// learnText is the HTML of a text lesson of n Chinese characters; at the
// default reading speed (300 a minute) 3,000 make a 10-minute lesson.
func learnText(n int) string {
	return "<p>" + strings.Repeat("安", n) + "</p>"
}

// publishTextCourse creates and publishes, as trainer, a course with one
// text lesson of chars characters and returns the course and lesson IDs.
func publishTextCourse(t testing.TB, cs *course.Store, trainer account.Principal, title string, chars int) (uint, uint) {
	t.Helper()
	ctx := context.Background()
	c, err := cs.CreateCourse(ctx, trainer, course.CourseInput{Title: title, Category: "hazard_standard"})
	if err != nil {
		t.Fatalf("create course: %v", err)
	}
	if _, err := cs.AddLesson(ctx, trainer, c.ID, course.LessonInput{Title: "第一课", Kind: course.KindText, Body: learnText(chars)}); err != nil {
		t.Fatalf("add lesson: %v", err)
	}
	if c, err = cs.Publish(ctx, trainer, c.ID); err != nil {
		t.Fatalf("publish: %v", err)
	}
	c, err = cs.Course(ctx, trainer, c.ID, false)
	if err != nil || len(c.Lessons) != 1 {
		t.Fatalf("published course: %+v, %v", c, err)
	}
	return c.ID, c.Lessons[0].ID
}

// beat is the JSON body of POST /api/v1/playback/:id/heartbeat.
type beat struct {
	Seq        uint64 `json:"seq"`
	PositionMS int64  `json:"position_ms"`
	Playing    bool   `json:"playing"`
	Token      string `json:"token"`
}

// signedBeat returns the body of a heartbeat signed like the player signs
// it, with the hex nonce the playback start returned.
func signedBeat(t testing.TB, nonceHex, sessionID string, seq uint64, pos time.Duration, playing bool) []byte {
	t.Helper()
	nonce, err := hex.DecodeString(nonceHex)
	if err != nil {
		t.Fatalf("nonce %q: %v", nonceHex, err)
	}
	b, err := json.Marshal(beat{Seq: seq, PositionMS: pos.Milliseconds(), Playing: playing, Token: course.Sign(nonce, sessionID, seq, pos)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
