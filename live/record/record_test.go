package record

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anpei/media"

	"github.com/pion/rtp"
)

// checkMedia runs a finished file through anpei's upload validation and
// returns the duration it reads.
func checkMedia(t *testing.T, path string) time.Duration {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	info, err := media.Inspect(f, fi.Size(), media.Video)
	if err != nil {
		t.Fatalf("media.Inspect(%s): %v", filepath.Base(path), err)
	}
	if info.MIME != "video/webm" {
		t.Fatalf("media.Inspect(%s): MIME %q", filepath.Base(path), info.MIME)
	}
	return info.Duration
}

func TestRecordCameraAndScreen(t *testing.T) {
	r, dir := newRecorder(t, Options{})
	cam, err := r.Start(Camera, VP8, Opus)
	if err != nil {
		t.Fatal(err)
	}
	scr, err := r.Start(Screen, VP8)
	if err != nil {
		t.Fatal(err)
	}

	// Sequence numbers and RTP timestamps wrap early in each stream.
	video := vp8Stream{ssrc: 1, seq0: 65500, ts0: 0xFFFFFFFF - 3000*10 + 1, startMS: 230, fps: 30, gop: 30,
		frames: 90, w: 640, h: 360, keySize: 5000, interSize: 1500}
	audio := opusStream{ssrc: 2, seq0: 65530, ts0: 0xFFFFFFFF - 960*5, startMS: 200, n: 150}
	screen := vp8Stream{ssrc: 3, seq0: 100, ts0: 12345, startMS: 1500, fps: 10, gop: 20,
		frames: 20, w: 1920, h: 1080, keySize: 20000, interSize: 2000}
	feed(merge(
		swapEvery(video.packets(cam.Video()), 7),
		swapEvery(audio.packets(cam.Audio()), 11),
		swapEvery(screen.packets(scr.Video()), 5),
	))

	m, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	names := listDir(t, dir)
	if want := []string{"camera-001.webm", "manifest.json", "screen-001.webm"}; strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", names, want)
	}

	// Camera: VP8 + Opus in one file, from the first audio packet on.
	const camStart = 200
	doc, blocks := readWebM(t, filepath.Join(dir, "camera-001.webm"))
	if doc.Header.DocType != "webm" {
		t.Fatalf("DocType %q", doc.Header.DocType)
	}
	tr := doc.Segment.Tracks.TrackEntry
	if len(tr) != 2 || tr[0].CodecID != "V_VP8" || tr[0].TrackType != 1 || tr[1].CodecID != "A_OPUS" || tr[1].TrackType != 2 {
		t.Fatalf("camera tracks %+v", tr)
	}
	if tr[0].Video == nil || tr[0].Video.PixelWidth != 640 || tr[0].Video.PixelHeight != 360 {
		t.Fatalf("camera video size %+v", tr[0].Video)
	}
	if !bytes.HasPrefix(tr[1].CodecPrivate, []byte("OpusHead")) || len(tr[1].CodecPrivate) != 19 || tr[1].Audio == nil || tr[1].Audio.SamplingFrequency != 48000 {
		t.Fatalf("opus track %+v", tr[1])
	}
	for i := 1; i < len(blocks); i++ {
		if blocks[i].ms < blocks[i-1].ms {
			t.Fatalf("block %d at %d ms after one at %d ms: not interleaved by time", i, blocks[i].ms, blocks[i-1].ms)
		}
	}
	vb := trackBlocks(blocks, 1)
	if len(vb) != 90 {
		t.Fatalf("%d video blocks, want 90", len(vb))
	}
	for i, b := range vb {
		if got := frameIndex(b.data); got != i {
			t.Fatalf("video block %d holds frame %d", i, got)
		}
		if b.key != (i%30 == 0) {
			t.Fatalf("video block %d keyframe flag %v", i, b.key)
		}
		if want := video.frameMS(i) - camStart; b.ms != want {
			t.Fatalf("video frame %d at %d ms, want %d", i, b.ms, want)
		}
	}
	ab := trackBlocks(blocks, 2)
	if len(ab) != 150 {
		t.Fatalf("%d audio blocks, want 150", len(ab))
	}
	for i, b := range ab {
		if got := frameIndex(b.data); got != i || !b.key {
			t.Fatalf("audio block %d holds packet %d (key %v)", i, got, b.key)
		}
		if want := audio.packetMS(i) - camStart; b.ms != want {
			t.Fatalf("audio packet %d at %d ms, want %d", i, b.ms, want)
		}
	}
	// The file lasts to the end of its last frame: video frame 89 at
	// 230+2966 ms, 33 ms long.
	camDur := video.frameMS(89) + 33 - camStart
	if doc.Segment.Info.Duration != float64(camDur) {
		t.Fatalf("camera Duration %v, want %d", doc.Segment.Info.Duration, camDur)
	}
	if !doc.Segment.Info.DateUTC.Equal(t0.Add(camStart * time.Millisecond)) {
		t.Fatalf("camera DateUTC %v", doc.Segment.Info.DateUTC)
	}
	if doc.Segment.Cues == nil || len(doc.Segment.Cues.CuePoint) < 3 {
		t.Fatalf("camera Cues %+v", doc.Segment.Cues)
	}
	if d := checkMedia(t, filepath.Join(dir, "camera-001.webm")); d != time.Duration(camDur)*time.Millisecond {
		t.Fatalf("media reads camera duration %v, want %d ms", d, camDur)
	}

	// Screen: one video track starting 1.5 s into the session.
	doc, blocks = readWebM(t, filepath.Join(dir, "screen-001.webm"))
	tr = doc.Segment.Tracks.TrackEntry
	if len(tr) != 1 || tr[0].CodecID != "V_VP8" || tr[0].Video.PixelWidth != 1920 {
		t.Fatalf("screen tracks %+v", tr)
	}
	if len(blocks) != 20 || !blocks[0].key {
		t.Fatalf("%d screen blocks, first key %v", len(blocks), len(blocks) > 0 && blocks[0].key)
	}
	for i, b := range blocks {
		if frameIndex(b.data) != i || b.ms != int64(i)*100 || b.key != (i%20 == 0) {
			t.Fatalf("screen block %d: frame %d at %d ms key %v", i, frameIndex(b.data), b.ms, b.key)
		}
	}
	if doc.Segment.Info.Duration != 2000 {
		t.Fatalf("screen Duration %v", doc.Segment.Info.Duration)
	}
	if d := checkMedia(t, filepath.Join(dir, "screen-001.webm")); d != 2*time.Second {
		t.Fatalf("media reads screen duration %v", d)
	}

	// The manifest places both on the session's timeline.
	if !m.Complete || m.Version != 1 || !m.SessionStart.Equal(t0) || len(m.Segments) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	cs := segmentOf(t, m, "camera-001.webm")
	if cs.Kind != Camera || cs.StartMS != camStart || cs.DurationMS != camDur || len(cs.Tracks) != 2 || cs.Bytes == 0 {
		t.Fatalf("camera segment %+v", cs)
	}
	if v := cs.Tracks[0]; v.Type != "video" || v.CodecID != "V_VP8" || v.StartMS != 230 || v.Frames != 90 || v.Width != 640 || v.Height != 360 || v.DroppedPackets != 0 || v.SkippedFrames != 0 {
		t.Fatalf("camera video %+v", v)
	}
	if a := cs.Tracks[1]; a.Type != "audio" || a.CodecID != "A_OPUS" || a.StartMS != 200 || a.Frames != 150 || a.DurationMS != 3000 || a.Channels != 2 {
		t.Fatalf("camera audio %+v", a)
	}
	ss := segmentOf(t, m, "screen-001.webm")
	if ss.Kind != Screen || ss.StartMS != 1500 || ss.DurationMS != 2000 || len(ss.Tracks) != 1 || ss.Tracks[0].Frames != 20 {
		t.Fatalf("screen segment %+v", ss)
	}
	if m.Segments[0].File != "camera-001.webm" || m.DurationMS != 3500 {
		t.Fatalf("manifest order/duration: %+v", m)
	}
	onDisk, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !onDisk.Complete || len(onDisk.Segments) != 2 || onDisk.Segments[1].StartMS != 1500 {
		t.Fatalf("manifest on disk %+v", onDisk)
	}
}

func TestLossWaitsForKeyframe(t *testing.T) {
	var requests atomic.Int32
	r, dir := newRecorder(t, Options{OnKeyframeNeeded: func(k Kind) {
		if k == Camera {
			requests.Add(1)
		}
	}})
	cam, err := r.Start(Camera, VP8, Opus)
	if err != nil {
		t.Fatal(err)
	}
	// The stream joins mid-GOP (frames 5..9 are inter frames), and the
	// first packet of frame 22 is lost, as is audio packet 30.
	video := vp8Stream{ssrc: 7, seq0: 1, ts0: 1000, startMS: 0, fps: 20, gop: 10, first: 5,
		frames: 45, w: 320, h: 240, keySize: 3000, interSize: 1500}
	audio := opusStream{ssrc: 8, seq0: 40000, ts0: 5, startMS: 0, n: 100}
	vp := video.packets(cam.Video())
	lostAt := -1
	for i, p := range vp {
		if p.frame == 22 {
			lostAt = i
			break
		}
	}
	vp = append(vp[:lostAt:lostAt], vp[lostAt+1:]...)
	ap := audio.packets(cam.Audio())
	ap = append(ap[:30:30], ap[31:]...)
	feed(merge(vp, ap))
	m, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}

	_, blocks := readWebM(t, filepath.Join(dir, "camera-001.webm"))
	var got []int
	for _, b := range trackBlocks(blocks, 1) {
		got = append(got, frameIndex(b.data))
		if i := frameIndex(b.data); b.key != (i%10 == 0) {
			t.Fatalf("frame %d keyframe flag %v", i, b.key)
		}
		if want := video.frameMS(frameIndex(b.data)); b.ms != want {
			t.Fatalf("frame %d at %d ms, want %d", frameIndex(b.data), b.ms, want)
		}
	}
	var want []int
	for i := 10; i < 50; i++ {
		if i < 22 || i >= 30 {
			want = append(want, i)
		}
	}
	if !equalInts(got, want) {
		t.Fatalf("video frames written %v\nwant %v", got, want)
	}
	if first := trackBlocks(blocks, 1)[0]; !first.key {
		t.Fatal("first video block is not a keyframe")
	}
	ab := trackBlocks(blocks, 2)
	if len(ab) != 99 {
		t.Fatalf("%d audio blocks, want 99", len(ab))
	}
	for _, b := range ab {
		i := frameIndex(b.data)
		if i == 30 || b.ms != audio.packetMS(i) {
			t.Fatalf("audio packet %d at %d ms", i, b.ms)
		}
	}
	if requests.Load() < 2 {
		t.Fatalf("%d keyframe requests, want one at the start and one after the loss", requests.Load())
	}
	v := m.Segments[0].Tracks[0]
	// Frames 5..9 before the first keyframe, 23..29 after the loss (pion's
	// v3 samplebuilder also discards frame 23 when it gives up on 22's
	// second packet, so 23 may never reach the recorder).
	if v.SkippedFrames < 11 || v.SkippedFrames > 12 || v.LostPackets < 1 || v.Frames != int64(len(want)) {
		t.Fatalf("video track stats %+v", v)
	}
}

func TestScreenShareStopAndStart(t *testing.T) {
	r, dir := newRecorder(t, Options{})
	// First share: 0.5 s to 1.5 s.
	s1, err := r.Start(Screen, VP8)
	if err != nil {
		t.Fatal(err)
	}
	a := vp8Stream{ssrc: 20, seq0: 65530, ts0: 4000, startMS: 500, fps: 10, gop: 10, frames: 10, w: 1280, h: 720, keySize: 8000, interSize: 900}
	feed(a.packets(s1.Video()))
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Complete || len(m.Segments) != 1 || m.Segments[0].File != "screen-001.webm" || m.Segments[0].StartMS != 500 {
		t.Fatalf("manifest after the first share: %+v", m)
	}

	// Second share from 3 s: it pauses from 4 s to 6 s (same SSRC, the RTP
	// clock runs on), then the browser restarts it with a new SSRC and an
	// unrelated timestamp base at 8 s.
	s2, err := r.Start(Screen, VP8)
	if err != nil {
		t.Fatal(err)
	}
	b1 := vp8Stream{ssrc: 21, seq0: 300, ts0: 0xFFFF0000, startMS: 3000, fps: 10, gop: 10, frames: 10, w: 1280, h: 720, keySize: 8000, interSize: 900}
	b2 := b1
	b2.first, b2.startMS, b2.ts0 = 10, 6000, b1.ts0+3000*90
	b2.seq0 = b1.packets(nil)[len(b1.packets(nil))-1].pkt.SequenceNumber + 1
	b3 := vp8Stream{ssrc: 22, seq0: 9, ts0: 77, startMS: 8000, fps: 10, gop: 10, first: 20, frames: 10, w: 1280, h: 720, keySize: 8000, interSize: 900}
	feed(merge(b1.packets(s2.Video()), b2.packets(s2.Video()), b3.packets(s2.Video())))
	m, err = r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Segments) != 2 || m.Segments[0].StartMS != 500 || m.Segments[0].DurationMS != 1000 ||
		m.Segments[1].File != "screen-002.webm" || m.Segments[1].StartMS != 3000 || m.Segments[1].DurationMS != 6000 {
		t.Fatalf("manifest %+v", m)
	}
	_, blocks := readWebM(t, filepath.Join(dir, "screen-002.webm"))
	if len(blocks) != 30 {
		t.Fatalf("%d blocks in the second share, want 30", len(blocks))
	}
	for i, b := range blocks {
		var want int64
		switch {
		case i < 10:
			want = b1.frameMS(i)
		case i < 20:
			want = b2.frameMS(i)
		default:
			want = b3.frameMS(i)
		}
		if frameIndex(b.data) != i || b.ms != want-3000 {
			t.Fatalf("block %d: frame %d at %d ms, want %d", i, frameIndex(b.data), b.ms, want-3000)
		}
	}
	for _, f := range []string{"screen-001.webm", "screen-002.webm"} {
		checkMedia(t, filepath.Join(dir, f))
	}
}

// A publisher that reconnects gets a new camera segment; the old one is
// finished without an explicit Close.
func TestStartReplacesOpenSegment(t *testing.T) {
	r, dir := newRecorder(t, Options{})
	c1, err := r.Start(Camera, Opus)
	if err != nil {
		t.Fatal(err)
	}
	feed(opusStream{ssrc: 1, startMS: 0, n: 50}.packets(c1.Audio()))
	c2, err := r.Start(Camera, VP8, Opus)
	if err != nil {
		t.Fatal(err)
	}
	feed(opusStream{ssrc: 2, startMS: 5000, n: 50}.packets(c2.Audio()))
	if err := c1.Close(); err != nil { // already closing in the background
		t.Fatal(err)
	}
	c1.Audio().WriteRTPAt(&rtp.Packet{Payload: []byte{1}}, t0) // after its end: ignored
	m, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Segments) != 2 || m.Segments[0].File != "camera-001.webm" || m.Segments[0].DurationMS != 1000 ||
		m.Segments[1].File != "camera-002.webm" || m.Segments[1].StartMS != 5000 || m.Segments[1].Tracks[0].Frames != 0 {
		t.Fatalf("manifest %+v", m)
	}
	checkMedia(t, filepath.Join(dir, "camera-002.webm"))
	if _, err := r.Start(Screen, VP8); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestWriteRTPNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	opts := Options{QueuePackets: 64}
	opts.beforeHandle = func() { <-release } // a disk that does not move
	r, dir := newRecorder(t, opts)
	cam, err := r.Start(Camera, Opus)
	if err != nil {
		t.Fatal(err)
	}
	defer once.Do(func() { close(release) })

	const n = 20000
	ps := opusStream{ssrc: 5, n: n}.packets(cam.Audio())
	start := time.Now()
	feed(ps)
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("%d writes took %v with the disk stalled", n, el)
	}
	tr := cam.Audio()
	// At most the queue and the one packet the goroutine holds got in.
	if tr.Accepted()+tr.Dropped() != n || tr.Accepted() > 65 || tr.Accepted() < 64 {
		t.Fatalf("accepted %d, dropped %d of %d", tr.Accepted(), tr.Dropped(), n)
	}
	once.Do(func() { close(release) })
	m, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	a := m.Segments[0].Tracks[0]
	if a.DroppedPackets != tr.Dropped() || a.Frames < 63 || a.Frames > tr.Accepted() {
		t.Fatalf("track %+v (accepted %d)", a, tr.Accepted())
	}
	checkMedia(t, filepath.Join(dir, "camera-001.webm"))
}

// Until Close, a recording exists only as a ".part" file that anpei's media
// check refuses (no real Duration yet), so a crash leaves nothing that looks
// complete.
func TestUnfinishedFileIsPartOnly(t *testing.T) {
	r, dir := newRecorder(t, Options{})
	cam, err := r.Start(Camera, VP8, Opus)
	if err != nil {
		t.Fatal(err)
	}
	feed(merge(
		vp8Stream{ssrc: 1, fps: 30, gop: 30, frames: 120, w: 640, h: 480, keySize: 6000, interSize: 2500}.packets(cam.Video()),
		opusStream{ssrc: 2, n: 200}.packets(cam.Audio()),
	))
	part := filepath.Join(dir, ".camera-001.webm.part")
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(part)
		if err == nil && fi.Size() > 200<<10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no .part file with data: %v", listDir(t, dir))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, name := range listDir(t, dir) {
		if strings.HasSuffix(name, ".webm") || name == ManifestFile {
			t.Fatalf("%s exists before Close", name)
		}
	}
	f, err := os.Open(part)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	_, ierr := media.Inspect(f, fi.Size(), media.Video)
	f.Close()
	if ierr == nil {
		t.Fatal("media accepts an unfinished .part file")
	}
	if _, err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if names := listDir(t, dir); strings.Join(names, " ") != "camera-001.webm manifest.json" {
		t.Fatalf("files after Close: %v", names)
	}
}

func TestEmptySegmentLeavesNoFile(t *testing.T) {
	r, dir := newRecorder(t, Options{})
	s, err := r.Start(Screen, VP8)
	if err != nil {
		t.Fatal(err)
	}
	// Only inter frames: nothing can be written.
	feed(vp8Stream{ssrc: 1, fps: 10, gop: 1000, first: 1, frames: 5, w: 10, h: 10, keySize: 100, interSize: 100}.packets(s.Video()))
	m, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Segments) != 0 || m.DurationMS != 0 {
		t.Fatalf("manifest %+v", m)
	}
	if names := listDir(t, dir); strings.Join(names, " ") != "manifest.json" {
		t.Fatalf("files %v", names)
	}
}

func TestStartRejects(t *testing.T) {
	r, _ := newRecorder(t, Options{})
	defer r.Close()
	h264 := Codec{MimeType: "video/H264", ClockRate: 90000}
	if _, err := r.Start(Camera, h264, Opus); !errors.Is(err, ErrUnsupportedCodec) {
		t.Fatalf("H.264: %v", err)
	}
	if Supported("video/H264") || !Supported("video/vp8") || !Supported("audio/OPUS") {
		t.Fatal("Supported")
	}
	for _, c := range [][]Codec{{}, {VP8, VP8}, {Opus, Opus}} {
		if _, err := r.Start(Camera, c...); err == nil {
			t.Fatalf("Start(%v) accepted", c)
		}
	}
	if _, err := r.Start("slides", VP8); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

func TestFindDurationRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0x1A}, bytes.Repeat([]byte{0xFF}, 64), []byte("not a webm file at all")} {
		if _, err := findDuration(b); err == nil {
			t.Fatalf("findDuration(%q) found one", b)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A sender whose RTP clock stands still while the track is paused: the
// frames after the pause are placed at their arrival, the ones before it
// keep theirs.
func TestFrozenRTPClockReanchors(t *testing.T) {
	r, dir := newRecorder(t, Options{})
	s, err := r.Start(Screen, VP8)
	if err != nil {
		t.Fatal(err)
	}
	a := vp8Stream{ssrc: 4, seq0: 10, ts0: 1 << 31, startMS: 1000, fps: 10, gop: 10, frames: 10, w: 800, h: 600, keySize: 4000, interSize: 700}
	b := a
	// Resumes 5 s later, timestamps continuing as if no time had passed.
	b.first, b.startMS, b.ts0 = 10, 6900, a.ts0+10*9000
	b.seq0 = a.packets(nil)[len(a.packets(nil))-1].pkt.SequenceNumber + 1
	feed(merge(a.packets(s.Video()), b.packets(s.Video())))
	m, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, blocks := readWebM(t, filepath.Join(dir, "screen-001.webm"))
	if len(blocks) != 20 {
		t.Fatalf("%d blocks", len(blocks))
	}
	for i, bl := range blocks {
		want := a.frameMS(i)
		if i >= 10 {
			want = b.frameMS(i)
		}
		if bl.ms != want-1000 {
			t.Fatalf("frame %d at %d ms, want %d", i, bl.ms, want-1000)
		}
	}
	if m.Segments[0].DurationMS != 6900+900+100-1000 {
		t.Fatalf("duration %d", m.Segments[0].DurationMS)
	}
}

func TestNoGoroutinesLeft(t *testing.T) {
	base := runtime.NumGoroutine()
	for range 3 {
		r, _ := newRecorder(t, Options{})
		cam, err := r.Start(Camera, VP8, Opus)
		if err != nil {
			t.Fatal(err)
		}
		scr, err := r.Start(Screen, VP8)
		if err != nil {
			t.Fatal(err)
		}
		feed(merge(
			vp8Stream{ssrc: 1, fps: 30, gop: 30, frames: 30, w: 64, h: 64, keySize: 900, interSize: 300}.packets(cam.Video()),
			opusStream{ssrc: 2, n: 50}.packets(cam.Audio()),
			vp8Stream{ssrc: 3, fps: 5, gop: 5, frames: 5, w: 64, h: 64, keySize: 900, interSize: 300}.packets(scr.Video()),
		))
		if _, err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
