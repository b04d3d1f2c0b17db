// Package record records a live lecture's published tracks to WebM files
// without transcoding, for the replay lesson.
//
// # Files and segments
//
// A Recorder writes into one directory per live session. Media arrives in
// segments: a Segment is one WebM file holding the tracks of one source for
// one stretch of time.
//
//   - Camera: the trainer's camera video (VP8) with the microphone (Opus),
//     both tracks in one file ("camera-001.webm").
//   - Screen: the screen share, one video track ("screen-001.webm").
//
// Screen share that stops and starts again is recorded as a new segment:
// the SFU calls Segment.Close when the shared track ends and Recorder.Start
// again when a new one is published, so "screen-001.webm",
// "screen-002.webm", … each cover one sharing period and the replay page
// shows the screen only while a segment covers the current time. Starting a
// kind that already has an open segment (a publisher that reconnected
// without the old track ending) closes the old one first. Inside one
// segment, a track that pauses (no packets; RTP timestamps continue with the
// sender's clock) keeps its gap: the blocks after it carry the later times.
// A change of SSRC within a track re-anchors its clock on the arrival time
// and waits for a keyframe.
//
// # Timeline
//
// Every frame gets a time in milliseconds since the session start: the
// first packet of a stream is anchored at its arrival time, later frames
// follow from their RTP timestamps (unwrapped through 2^32) at the codec's
// clock rate. If the RTP clock and the arrival clock disagree by more than
// 3 s (a sender that restarts or freezes its timestamps) the stream is
// re-anchored. A file's time 0 is its first block; the manifest gives, for
// each file, start_ms, the session time of the file's time 0, so session
// time t is file time t − start_ms. RTCP sender reports are not used: lip
// sync between camera and microphone is as good as the arrival jitter of
// their first packets.
//
// # Writing
//
// Track.WriteRTP is called from the SFU's read loop. It copies the packet
// into a bounded queue and returns; when the queue is full the packet is
// dropped and counted (Track.Dropped, and dropped_packets in the manifest),
// so a slow disk never stalls the live session. One goroutine per segment
// depacketizes (pion's samplebuilder: reordering, sequence wrap, loss),
// interleaves the tracks by time and writes SimpleBlocks through ebml-go's
// webm writer. Video is written from a keyframe on: frames before the first
// keyframe, and after a lost frame until the next keyframe, are skipped and
// Options.OnKeyframeNeeded is called (at most once a second) so the SFU can
// ask the publisher for one.
//
// A file is written as ".camera-001.webm.part" and renamed after Close has
// written its Cues and Duration and synced it, so a crash leaves only
// ".part" files, never one that looks complete. manifest.json (written
// atomically each time a segment is finished; "complete" once the Recorder
// is closed) lists the finished files.
//
// Codecs: VP8 and Opus. H.264 cannot go into WebM (and anpei's media
// package accepts only DocType "webm"), so an H.264 publisher's video is
// not recorded: Start returns ErrUnsupportedCodec for it.
package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Kind is the source a segment records.
type Kind string

// The recorded sources.
const (
	Camera Kind = "camera" // camera video and microphone audio
	Screen Kind = "screen" // screen share video
)

// Codec describes the RTP stream of a track, as negotiated in SDP.
type Codec struct {
	MimeType  string // "video/VP8", "audio/opus" (case-insensitive)
	ClockRate uint32 // RTP clock rate; 0 = the codec's standard rate
	Channels  uint16 // audio channels as negotiated (Opus: 2); 0 = 2
}

// The codecs this package records.
var (
	VP8  = Codec{MimeType: "video/VP8", ClockRate: 90000}
	Opus = Codec{MimeType: "audio/opus", ClockRate: 48000, Channels: 2}
)

// Errors of this package.
var (
	ErrUnsupportedCodec = errors.New("record: codec cannot be recorded to WebM (VP8 and Opus only)")
	ErrClosed           = errors.New("record: recorder closed")
)

type codecKind int

const (
	codecVP8 codecKind = iota + 1
	codecOpus
)

func (c Codec) kind() (codecKind, error) {
	switch strings.ToLower(c.MimeType) {
	case "video/vp8":
		return codecVP8, nil
	case "audio/opus":
		return codecOpus, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnsupportedCodec, c.MimeType)
}

// Supported reports whether tracks of this MIME type can be recorded.
func Supported(mimeType string) bool {
	_, err := Codec{MimeType: mimeType}.kind()
	return err == nil
}

// Options tune a Recorder. The zero value is usable.
type Options struct {
	// QueuePackets bounds each segment's queue between WriteRTP and the
	// disk goroutine (default 4096 packets, about 20 s of 1 Mbps video and
	// audio). Packets that find it full are dropped and counted.
	QueuePackets int

	// OnKeyframeNeeded, if set, is called when a video track waits for a
	// keyframe (at the start, after a loss, after an SSRC change), at most
	// once a second per track. It runs on the recorder's goroutine and must
	// not block.
	OnKeyframeNeeded func(Kind)

	// beforeHandle runs on the segment goroutine before each packet (tests
	// use it to simulate a slow disk).
	beforeHandle func()
}

// Recorder records one live session into a directory.
type Recorder struct {
	dir   string
	start time.Time
	opts  Options

	mu       sync.Mutex
	closed   bool
	open     map[Kind]*Segment
	all      []*Segment
	seq      map[Kind]int
	finished []SegmentInfo
	errs     []error
}

// New returns a Recorder writing into dir (created if missing) for a
// session that started at sessionStart.
func New(dir string, sessionStart time.Time, opts Options) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if opts.QueuePackets <= 0 {
		opts.QueuePackets = 4096
	}
	return &Recorder{
		dir:   dir,
		start: sessionStart,
		opts:  opts,
		open:  map[Kind]*Segment{},
		seq:   map[Kind]int{},
	}, nil
}

// Dir is the directory the recorder writes into.
func (r *Recorder) Dir() string { return r.dir }

// Start opens a segment of kind with the given tracks: at most one video
// and one audio codec (Camera: VP8 and/or Opus; Screen: VP8). Declare all
// tracks of the file here: WebM names its tracks before the first frame.
// An open segment of the same kind is closed (in the background) first.
func (r *Recorder) Start(kind Kind, codecs ...Codec) (*Segment, error) {
	if kind != Camera && kind != Screen {
		return nil, fmt.Errorf("record: unknown kind %q", kind)
	}
	if len(codecs) == 0 {
		return nil, errors.New("record: a segment needs at least one track")
	}
	var video, audio *Codec
	for i := range codecs {
		ck, err := codecs[i].kind()
		if err != nil {
			return nil, err
		}
		switch ck {
		case codecVP8:
			if video != nil {
				return nil, errors.New("record: more than one video track")
			}
			video = &codecs[i]
		case codecOpus:
			if audio != nil {
				return nil, errors.New("record: more than one audio track")
			}
			audio = &codecs[i]
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	r.seq[kind]++
	name := fmt.Sprintf("%s-%03d.webm", kind, r.seq[kind])
	s := newSegment(r, kind, name, video, audio)
	if old := r.open[kind]; old != nil {
		go old.Close() //nolint:errcheck // reported through Recorder.Close
	}
	r.open[kind] = s
	r.all = append(r.all, s)
	return s, nil
}

// Close finishes every open segment, writes the final manifest and returns
// it. Errors of segments that could not be written are joined; the
// manifest still lists the files that were.
func (r *Recorder) Close() (Manifest, error) {
	r.mu.Lock()
	r.closed = true
	all := slices.Clone(r.all)
	r.mu.Unlock()

	var wg sync.WaitGroup
	for _, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Close() //nolint:errcheck // collected in r.errs
		}()
	}
	wg.Wait()

	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.manifestLocked(true)
	errs := slices.Clone(r.errs)
	if err := r.writeManifestLocked(m); err != nil {
		errs = append(errs, err)
	}
	return m, errors.Join(errs...)
}

// segmentDone is called once per segment when its file is final (or failed).
func (r *Recorder) segmentDone(s *Segment, info *SegmentInfo, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open[s.kind] == s {
		delete(r.open, s.kind)
	}
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("record: %s: %w", s.name, err))
	}
	if info == nil {
		return
	}
	r.finished = append(r.finished, *info)
	if r.closed {
		return // Close writes the final manifest
	}
	if err := r.writeManifestLocked(r.manifestLocked(false)); err != nil {
		r.errs = append(r.errs, err)
	}
}

// ManifestFile is the manifest's name inside the recorder's directory.
const ManifestFile = "manifest.json"

// Manifest lists a session's recorded files for the replay page.
type Manifest struct {
	Version      int           `json:"version"`
	SessionStart time.Time     `json:"session_start"`
	Complete     bool          `json:"complete"`    // the recorder was closed
	DurationMS   int64         `json:"duration_ms"` // end of the last segment, since session start
	Segments     []SegmentInfo `json:"segments"`    // by start_ms, then kind
}

// SegmentInfo describes one finished WebM file.
type SegmentInfo struct {
	Kind       Kind        `json:"kind"`
	File       string      `json:"file"` // name inside the recorder's directory
	Bytes      int64       `json:"bytes"`
	StartMS    int64       `json:"start_ms"`    // session time of the file's time 0
	DurationMS int64       `json:"duration_ms"` // the file's Duration
	Tracks     []TrackInfo `json:"tracks"`
}

// TrackInfo describes one track of a file.
type TrackInfo struct {
	Number     uint64 `json:"number"` // WebM TrackNumber
	Type       string `json:"type"`   // "video" or "audio"
	CodecID    string `json:"codec"`  // "V_VP8", "A_OPUS"
	MimeType   string `json:"mime_type"`
	StartMS    int64  `json:"start_ms"`    // session time of the track's first block
	DurationMS int64  `json:"duration_ms"` // from its first block to the end of its last
	Frames     int64  `json:"frames"`      // blocks written
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	SampleRate int    `json:"sample_rate,omitempty"`
	Channels   int    `json:"channels,omitempty"`

	DroppedPackets int64 `json:"dropped_packets"` // queue full: never reached the recorder
	LostPackets    int64 `json:"lost_packets"`    // gaps the depacketizer gave up on
	SkippedFrames  int64 `json:"skipped_frames"`  // video frames waiting for a keyframe
}

func (r *Recorder) manifestLocked(complete bool) Manifest {
	m := Manifest{
		Version:      1,
		SessionStart: r.start.UTC(),
		Complete:     complete,
		Segments:     slices.Clone(r.finished),
	}
	if m.Segments == nil {
		m.Segments = []SegmentInfo{}
	}
	slices.SortStableFunc(m.Segments, func(a, b SegmentInfo) int {
		if a.StartMS != b.StartMS {
			if a.StartMS < b.StartMS {
				return -1
			}
			return 1
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	for _, s := range m.Segments {
		m.DurationMS = max(m.DurationMS, s.StartMS+s.DurationMS)
	}
	return m
}

func (r *Recorder) writeManifestLocked(m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("record: manifest: %w", err)
	}
	if err := writeFileAtomic(r.dir, ManifestFile, append(b, '\n')); err != nil {
		return fmt.Errorf("record: manifest: %w", err)
	}
	return nil
}

// ReadManifest reads the manifest of a recording directory.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(b, &m)
	return m, err
}

// writeFileAtomic writes name in dir through a temporary file, fsync and
// rename, then syncs the directory.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
