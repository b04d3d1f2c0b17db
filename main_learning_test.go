package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"anpei/course"
)

// apiClient is a signed-in client of the running binary.
type apiClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func signIn(t *testing.T, base, user string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &apiClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	a.do("POST", "/api/v1/login", fmt.Sprintf(`{"username":%q,"password":"anpei-demo"}`, user), nil, 200, &out)
	a.csrf = out.CSRF
	return a
}

// do sends a request and decodes the JSON answer into out (when not nil),
// failing unless the status is want.
func (a *apiClient) do(method, path, body string, header map[string]string, want int, out any) []byte {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-CSRF-Token", a.csrf)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s = %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return b
}

// learnerStudies walks the demo learner through the learning API of the
// running binary: a plan, the catalogue, a video served in ranges, a
// playback session and a signed heartbeat. It returns the video's URL.
func learnerStudies(t *testing.T, base string) string {
	a := signIn(t, base, "learner")
	var plan course.Plan
	a.do("GET", "/api/v1/me/plan", "", nil, 200, &plan)
	if len(plan.Requirements) == 0 {
		t.Fatal("the demo learner has no training requirements")
	}
	var courses struct {
		Items []course.CourseView `json:"items"`
		Total int                 `json:"total"`
	}
	a.do("GET", "/api/v1/courses", "", nil, 200, &courses)
	var video uint
	for _, c := range courses.Items {
		var full course.CourseView
		a.do("GET", fmt.Sprintf("/api/v1/courses/%d", c.ID), "", nil, 200, &full)
		for _, l := range full.Lessons {
			if l.Kind == course.KindVideo {
				video = l.ID
			}
		}
	}
	if courses.Total < 2 || video == 0 {
		t.Fatalf("demo learner sees %d courses and no video lesson", courses.Total)
	}
	mediaURL := fmt.Sprintf("/api/v1/lessons/%d/media", video)
	if b := a.do("GET", mediaURL, "", map[string]string{"Range": "bytes=0-99"}, 206, nil); len(b) != 100 {
		t.Fatalf("a 100-byte range of the video gave %d bytes", len(b))
	}
	var start course.PlaybackStart
	a.do("POST", fmt.Sprintf("/api/v1/lessons/%d/playback", video), "", nil, 201, &start)
	nonce, err := hex.DecodeString(start.Nonce)
	if err != nil || start.DurationMS < 60_000 {
		t.Fatalf("playback start = %+v, %v", start, err)
	}
	var res course.BeatResult
	body := fmt.Sprintf(`{"seq":1,"position_ms":0,"playing":true,"token":%q}`, course.Sign(nonce, start.ID, 1, 0))
	a.do("POST", "/api/v1/playback/"+start.ID+"/heartbeat", body, nil, 200, &res)
	if !res.Accepted {
		t.Fatalf("first heartbeat refused: %+v", res)
	}
	a.do("POST", "/api/v1/playback/"+start.ID+"/heartbeat", body, nil, 409, nil) // the same again: a replay
	return mediaURL
}

// mediaSurvivesRestart fetches the video again from a restarted binary.
func mediaSurvivesRestart(t *testing.T, base, mediaURL string) {
	a := signIn(t, base, "learner")
	a.do("GET", mediaURL, "", map[string]string{"Range": "bytes=100-199"}, 206, nil)
}
