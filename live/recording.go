package live

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	"anpei/live/record"
)

// ErrRecording is returned by Record when the room records already.
var ErrRecording = errors.New("live: the room is being recorded already")

// roomRecorder tees the publisher's packets into live/record: the camera
// with the microphone in one segment, each screen share in its own. Of a
// simulcast track one layer is recorded (the first to send; another takes
// over when it stops). It never blocks the read loop: the recorder queues.
type roomRecorder struct {
	rec *record.Recorder

	mu     sync.Mutex
	camera *record.Segment
	screen *record.Segment
	chosen [numSlots]*layer
	last   [numSlots]time.Time
	failed [numSlots]bool // the codec cannot be recorded (H.264): logged once
}

// Record starts recording the room's published tracks, without
// transcoding, into dir (WebM files and manifest.json, see live/record);
// session time 0 is now. Tracks published later are recorded when they
// arrive. StopRecording finishes the files.
func (r *Room) Record(dir string) error {
	rec, err := record.New(dir, time.Now(), record.Options{OnKeyframeNeeded: func(k record.Kind) {
		slot := slotCamera
		if k == record.Screen {
			slot = slotScreen
		}
		r.feeds[slot].mu.Lock()
		ls := append([]*layer(nil), r.feeds[slot].layers...)
		r.feeds[slot].mu.Unlock()
		for _, l := range ls {
			l.requestKeyframe()
		}
	}})
	if err != nil {
		return fmt.Errorf("live: record: %w", err)
	}
	rr := &roomRecorder{rec: rec}
	if !r.rec.CompareAndSwap(nil, rr) {
		rec.Close()
		return ErrRecording
	}
	return nil
}

// StopRecording finishes the recording and returns the path of its
// manifest; it returns "" and no error when the room was not recording.
func (r *Room) StopRecording() (string, error) {
	rr := r.rec.Swap(nil)
	if rr == nil {
		return "", nil
	}
	if _, err := rr.rec.Close(); err != nil {
		return "", fmt.Errorf("live: finish recording: %w", err)
	}
	return filepath.Join(rr.rec.Dir(), record.ManifestFile), nil
}

// write records one packet of layer l (called from its read loop).
func (rr *roomRecorder) write(l *layer, h rtp.Header, payload []byte) {
	slot := l.feed.slot
	now := time.Now()
	rr.mu.Lock()
	if c := rr.chosen[slot]; c != l {
		if c != nil && now.Sub(rr.last[slot]) < time.Second {
			rr.mu.Unlock()
			return // another layer of this track is being recorded
		}
		rr.chosen[slot] = l
	}
	rr.last[slot] = now
	seg, t := rr.segmentLocked(l)
	rr.mu.Unlock()
	if seg == nil || t == nil {
		return
	}
	h.Padding, h.PaddingSize = false, 0
	t.WriteRTPAt(&rtp.Packet{Header: h, Payload: payload}, now)
}

// segmentLocked returns the segment and track l's packets go to, starting
// the segment on first use.
func (rr *roomRecorder) segmentLocked(l *layer) (*record.Segment, *record.Track) {
	slot := l.feed.slot
	if rr.failed[slot] {
		return nil, nil
	}
	codec := record.Codec{MimeType: l.mime, ClockRate: l.clockRate}
	switch slot {
	case slotScreen:
		if rr.screen == nil {
			s, err := rr.rec.Start(record.Screen, codec)
			if err != nil {
				rr.fail(l, err)
				return nil, nil
			}
			rr.screen = s
		}
		return rr.screen, rr.screen.Video()
	default:
		if rr.camera == nil {
			// The camera segment holds both: VP8 video and Opus audio.
			s, err := rr.rec.Start(record.Camera, record.Codec{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, record.Codec{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
			if err != nil {
				rr.fail(l, err)
				return nil, nil
			}
			rr.camera = s
		}
		if slot == slotAudio {
			return rr.camera, rr.camera.Audio()
		}
		if !record.Supported(l.mime) {
			rr.fail(l, record.ErrUnsupportedCodec)
			return nil, nil
		}
		return rr.camera, rr.camera.Video()
	}
}

func (rr *roomRecorder) fail(l *layer, err error) {
	rr.failed[l.feed.slot] = true
	if f := l.feed.room.node.cfg.Logf; f != nil {
		f("live: room %s: not recording %s (%s): %v", l.feed.room.id, l.feed.slot, l.mime, err)
	}
}

// layerGone ends the screen-share segment when its track ends, so that
// the next share is a new file.
func (rr *roomRecorder) layerGone(l *layer) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.chosen[l.feed.slot] == l {
		rr.chosen[l.feed.slot] = nil
	}
	if l.feed.slot != slotScreen || rr.screen == nil {
		return
	}
	l.feed.mu.Lock()
	others := len(l.feed.layers)
	l.feed.mu.Unlock()
	if others == 0 {
		s := rr.screen
		rr.screen = nil
		go s.Close()
	}
}
